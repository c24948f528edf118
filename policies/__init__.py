"""The bundled vendor policies (YAML data files), shipped as ``slacalc.policies``."""
