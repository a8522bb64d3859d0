/// The fuzz tests draw from the model's generator: one SplitMix64 in the codebase, and a
/// failing seed found here replays the same way everywhere.
@_exported import struct IngestModel.SeededRandom
