/*
 * version.h - the release and the control protocol version.
 */
#ifndef VERSION_H
#define VERSION_H

#define P2PSIPD_VERSION		"0.1.0"

/*
 * Version of the control socket protocol (daemon/ctl_proto.h).  Bumped when
 * a command changes incompatibly; the client refuses an older daemon.
 */
#define CTL_PROTOCOL_VERSION	1

#endif
