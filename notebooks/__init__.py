"""The numbered notebooks, shipped as package data (``junyun_lib.notebooks``) so that ``junyun batch`` finds
the briefing notebook in an installed package as well as in a checkout."""
