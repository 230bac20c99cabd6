"""Click's Script language (the Script and DriverManager elements): the host side.

text: Click's quoting and substitution rules (cp_expand, cp_unquote, ...);
program: instructions parsed and checked as Click's configure() does;
runner: a script running against a Router; arithmetic: the read handlers
with parameters (add, eq, sprintf, ...).
"""
