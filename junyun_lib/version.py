"""The package version (软件版本), in its own module so that every layer can name it without importing the
package's public API."""
__version__ = "0.1.0"
