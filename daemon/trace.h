/*
 * trace.h - the overlay message trace: framed RELOAD messages as TCP
 * segments in a pcap file.
 *
 * What the node writes to and reads from each link, as framed before TLS
 * encryption, becomes the payload of TCP segments between the link's two
 * addresses, with the passive (listening) side's port shown as 6084 so
 * that Wireshark's RELOAD dissector (reload-framing on TCP port 6084)
 * decodes it: tshark -r FILE -Y reload.  Each link gets a SYN handshake
 * when it first appears and its own sequence numbers per direction.
 */
#ifndef TRACE_H
#define TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct trace;

#define TRACE_PORT	6084

/* Create path (truncating it) and write the pcap header.  0 or errno. */
int	trace_open(struct trace **, const char *path, char **cause);
void	trace_close(struct trace *);
const char *trace_path(const struct trace *);
uint64_t trace_frames(const struct trace *);

/*
 * Record bytes seen on link (a stable id): local and remote are the two
 * ends, passive whether we accepted it; outbound whether we sent them.
 */
void	trace_write(struct trace *, uint32_t link, const struct addr *local,
	    const struct addr *remote, bool passive, bool outbound,
	    const uint8_t *data, size_t len);

#endif
