"""The bundled helpdesk export mappings (YAML data files), shipped as ``slacalc.mappings``."""
