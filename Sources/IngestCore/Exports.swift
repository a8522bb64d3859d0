@_exported import IngestModel
