#!/usr/bin/env bash
# A plain nitro-cli deploy script, as operators keep in CI jobs and runbooks. It knows nothing
# of nitrodeck: `nitro-cli` on PATH is whatever the machine has.
set -euo pipefail

EIF="$1"
NAME=app

nitro-cli --version
expected=$(nitro-cli describe-eif --eif-path "$EIF" | jq -r '.Measurements.PCR0')
nitro-cli pcr --input "$EIF" | jq -e '.PCR | length == 96' > /dev/null

# Replace whatever runs under our name.
old=$(nitro-cli describe-enclaves | jq -r --arg n "$NAME" '.[] | select(.EnclaveName == $n) | .EnclaveID')
if [ -n "$old" ]; then
    nitro-cli terminate-enclave --enclave-id "$old" > /dev/null
fi

out=$(nitro-cli run-enclave --eif-path "$EIF" --memory 512 --cpu-count 2 \
    --enclave-name "$NAME" --debug-mode)
id=$(echo "$out" | jq -r '.EnclaveID')
cid=$(echo "$out" | jq -r '.EnclaveCID')
echo "started $id at CID $cid"

state=$(nitro-cli describe-enclaves | jq -r --arg id "$id" '.[] | select(.EnclaveID == $id) | .State')
[ "$state" = RUNNING ]
pcr0=$(nitro-cli describe-enclaves | jq -r --arg id "$id" '.[] | select(.EnclaveID == $id) | .Measurements.PCR0')
[ "$pcr0" = "$expected" ]

nitro-cli console --enclave-id "$id" --disconnect-timeout 3 > console.log
grep -q "hello from the enclave" console.log

# A launch that cannot work: nitro-cli's exit status and its [ Exx ] lines.
set +e
nitro-cli run-enclave --eif-path "$EIF" --memory 512 --cpu-count 64 2> err.txt
status=$?
set -e
[ "$status" -eq 39 ]
grep -q '^\[ E22 \]' err.txt
grep -q '^\[ E39 \]' err.txt

nitro-cli terminate-enclave --enclave-id "$id" | jq -e '.Terminated' > /dev/null
[ "$(nitro-cli describe-enclaves | jq length)" -eq 0 ]
echo deployed
