// Debian's libzstd (libzstd-dev): Kafka's zstd codec.
#ifndef INGEST_CZSTD_SHIM_H
#define INGEST_CZSTD_SHIM_H
#include <zstd.h>
#endif
