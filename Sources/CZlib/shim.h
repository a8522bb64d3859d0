// The system zlib (zlib1g-dev): Kafka's gzip codec.
#ifndef INGEST_CZLIB_SHIM_H
#define INGEST_CZLIB_SHIM_H
#include <zlib.h>
#endif
