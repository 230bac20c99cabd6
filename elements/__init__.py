"""clickpy's element library: one small class per file, by Click family.

`clickpy.element.registry()` imports every module below this package, so a
new element only needs a file in the right family folder.
"""
