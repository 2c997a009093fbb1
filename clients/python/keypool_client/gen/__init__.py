"""Stubs generated from proto/keypool/v1/keypool.proto by generate.sh; never edited by hand."""
