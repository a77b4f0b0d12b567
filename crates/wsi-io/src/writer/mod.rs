//! Streaming pyramidal tiled TIFF / Aperio SVS writer.
