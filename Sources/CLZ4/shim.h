// Debian's liblz4 (liblz4-dev): the LZ4 frame format, as Kafka's lz4 codec uses it.
#ifndef INGEST_CLZ4_SHIM_H
#define INGEST_CLZ4_SHIM_H
#include <lz4frame.h>
#endif
