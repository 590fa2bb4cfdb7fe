"""Records: the canonical record, decoding and normalising exports, the export formats, the
workspace that stores records, and the import stage (``stage``) that brings exports in."""
