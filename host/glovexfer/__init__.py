"""SmartGloveXfer host package: data, simulator, float and fixed-point pipelines, tools."""

__version__ = "0.1.0"
