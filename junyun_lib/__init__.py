"""junyun (均衡): county compulsory-education balance evaluation (义务教育优质均衡发展督导评估)."""
__version__ = "0.1.0"
