"""Example tests, one per shipped middlebox (a package: their names repeat tests/configs/)."""
