#ifndef CCRC32C_H
#define CCRC32C_H

#include <stddef.h>
#include <stdint.h>

// CRC-32C in hardware (SSE 4.2 on x86-64, the CRC extension on ARMv8), for RecordBatch v2
// checksums. Swift cannot call the compiler's CRC intrinsics without the target feature
// switched on for the whole module, so these live in C, compiled for that feature alone and
// only called after the CPU was asked whether it has it.

/// 1 when this CPU computes CRC-32C in hardware, else 0.
int ingest_crc32c_hardware_available(void);

/// Runs the CRC-32C register (reflected, no initial or final inversion) over `count` bytes.
/// Call only when `ingest_crc32c_hardware_available()` says 1.
uint32_t ingest_crc32c_hardware_update(uint32_t state, const uint8_t *bytes, size_t count);

#endif
