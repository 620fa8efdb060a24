"""One screen per module; `registry` maps `:` command aliases to them."""
