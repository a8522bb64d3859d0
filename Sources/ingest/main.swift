import IngestCore
print(IngestCoreVersion.string)
