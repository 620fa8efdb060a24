"""nitrodeck's terminal interface: the `nitrodeck` command line and the full-screen Textual app."""
