"""Argument types with element-specific syntax, shared by several element declarations."""
