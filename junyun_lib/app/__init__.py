"""Interactive applications (交互应用) for JupyterLab: the gap-cause explorer."""
