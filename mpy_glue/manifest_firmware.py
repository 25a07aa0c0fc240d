# Frozen Python of the firmware glue: the `media` package with media.vencoder (which
# re-exports the native _vencoder). Paths are relative to this file.
freeze("modules")
