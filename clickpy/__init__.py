"""clickpy: programmable middleboxes as graphs of Click elements.

Configurations (Click language or YAML) are parsed by clickpy.lang,
flattened into a networkx graph by clickpy.graph and checked by
clickpy.check; element classes are declared in the top-level `elements`
package.
"""
__version__ = "0.1.0"
