/*
 * cfg.h - the daemon's configuration (STYLE.md §7).
 *
 * INI read with inih (cfg_parse.c).  Defaults live in one table
 * (cfg_key.c), every key can be overridden with "-o section.key=value"
 * through the same setter, and the result is an immutable struct cfg.
 * Errors name file, line and key, and parsing goes on after the first one
 * so a single run shows them all.
 */
#ifndef CFG_H
#define CFG_H

#include <stdbool.h>
#include <stddef.h>

#include "addr.h"
#include "log.h"

/* Bounds on what the parser accepts. */
#define CFG_FILE_MAX	(1024 * 1024)	/* bytes in a config file */
#define CFG_ERRORS_MAX	20		/* errors reported before giving up */
#define CFG_LINE_MAX	197		/* characters in a line (inih's buffer) */
#define CFG_LIST_MAX	64		/* entries in an address list */
#define CFG_OVERLAY_PORT 6084		/* RFC 6940 §11.1 bootstrap default */
#define CFG_SIP_PORT	5060		/* RFC 3261 §19.1.2 */
#define CFG_SIPS_PORT	5061		/* ... on TLS */
#define CFG_STUN_PORT	3478		/* RFC 8489 §9 */

/* [nat] mode, in the order of cfg_key.c's names. */
enum cfg_nat_mode {
	CFG_NAT_AUTO,		/* a client when behind a NAT, else a peer */
	CFG_NAT_PEER,
	CFG_NAT_CLIENT,
};

/* [media] anchor, in the order of cfg_key.c's names. */
enum cfg_anchor {
	CFG_ANCHOR_AUTO,	/* as the NAT this host is behind needs */
	CFG_ANCHOR_ON,		/* every phone's call to a peer */
	CFG_ANCHOR_OFF,
};

struct cfg_addrlist {
	struct addr	*v;
	int		 n;
};

/* Strings, one or more per line (comma-separated); lines append. */
struct cfg_strlist {
	char		**v;
	int		  n;
};

struct cfg {
	char		*file;		/* the file read, or NULL: defaults */
	struct {
		char		*data_dir;
		char		*control_socket;
		char		*pidfile;
		enum log_level	 log_level;
	} node;
	struct {
		char		*name;		/* an FQDN */
		char		*root_cert;	/* enrollment CAs; "": none */
		struct addr	 listen;
		struct cfg_addrlist bootstrap;
		int		 successors, predecessors, fingers;
		int		 finger_density;	/* log2 of the slots
							   an octave */
		int		 pns;		/* proximity neighbour
						   selection, a bool */
		int		 location_cache;	/* entries */
		int		 max_message_size, initial_ttl;
		int		 reliability_timer;	/* ms */
		int		 update_interval;	/* s */
		int		 finger_interval;	/* s */
		int		 probe_interval;	/* s */
		int		 partition_check;	/* s, 0: never */
		int		 link_timeout;		/* s */
		int		 max_links, max_pending;
	} overlay;
	struct {
		int		 replicas;		/* copies in all */
		int		 replica_holddown;	/* s, 0: none */
		int		 max_lifetime;		/* s */
		int		 quota;			/* MiB held */
		int		 peer_store_rate;	/* a peer's stores/s */
		int		 peer_store_burst;	/* ... at once */
		int		 registration_expires;	/* s */
		/* Kind limits (values per resource, bytes per value) */
		int		 sip_registration_max_count;
		int		 sip_registration_max_size;
		int		 turn_service_max_count;
		int		 turn_service_max_size;
		int		 certificate_max_count;
		int		 certificate_max_size;
	} storage;
	struct {
		struct addr	 listen;		/* UDP and TCP */
		struct addr	 tls_listen;		/* family 0: off */
		struct addr	 advertise;		/* family 0: derived */
		int		 max_message_size;	/* bytes */
		int		 max_headers;
		int		 stream_timeout;	/* s, a partial message */
		int		 flow_timer_udp;	/* s, RFC 5626 §5.4 */
		int		 flow_timer_stream;
		int		 max_transactions;
		int		 lookup_cache;		/* s */
		int		 udp_buffer;		/* KiB, SO_RCVBUF; 0:
							   the system's */
		int		 auth_local;		/* bool */
	} sip;
	struct {
		struct cfg_strlist aor;		/* the UA core's own */
		int		 answer;	/* enum sip_ua_answer */
		int		 direct;	/* enum sip_ua_direct_mode */
	} ua;
	struct {
		int		 srtp;		/* enum sdp_srtp_policy */
		int		 rtp_port_min;	/* [media] rtp_ports */
		int		 rtp_port_max;
		int		 ice;		/* bool: RFC 8445 for calls */
		int		 anchor;	/* enum cfg_anchor */
	} media;
	struct {
		/* family 0: off; unset: the overlay's address, port 3478 */
		struct addr	 stun_listen;
		bool		 stun_derived;	/* stun_listen is the default */
		struct cfg_addrlist stun_servers;	/* none: the overlay's */
		int		 stun_rate;		/* answers/s a source */
		int		 probe_interval;	/* s */
		struct addr	 relay;		/* advertised; family 0: none */
		char		*relay_user;	/* the overlay's relays' */
		char		*relay_password;
		int		 turn_density;	/* RFC 6940 §9 */
		int		 mode;		/* enum cfg_nat_mode */
	} nat;
	struct {
		/* RFC 3263 lookups; family 0: the system's resolvers */
		struct addr	 dns_server;
		int		 proxy_peer;	/* bool */
	} interwork;
	/* [users]: who may register from elsewhere (RFC 3261 §22) */
	struct cfg_user {
		char		*name;
		char		*password;
	}		*users;
	size_t		 nusers;
};

/*
 * Build a configuration from the defaults, the INI text buf (named name in
 * messages; buf may be NULL for none) and the overrides ("section.key=value"
 * strings, applied in order).  Relative paths are made absolute against the
 * current directory.  On success *out is set and 0 returned; on error
 * EINVAL is returned and *cause holds every error, one "name:line: message"
 * per line, which the caller frees.
 */
int	 cfg_parse_buf(struct cfg **out, const char *name, const char *buf,
	    size_t len, const char *const *overrides, size_t noverrides, char **cause);

/*
 * A whole regular file of at most max bytes into *buf (NUL-terminated,
 * the caller frees it) and *len: 0, or an errno with *cause.
 */
int	 cfg_read_file(const char *file, size_t max, char **buf, size_t *len,
	    char **cause);

/* As cfg_parse_buf, reading file (or no file when file is NULL). */
int	 cfg_load(struct cfg **out, const char *file, const char *const *overrides,
	    size_t noverrides, char **cause);

void	 cfg_free(struct cfg *);

/* The [users] password of the user part of aor ("user@..."), or NULL. */
const char *cfg_user_password(const struct cfg *, const char *aor);

/* A key whose value differs between two configurations. */
struct cfg_change {
	const char	*section;
	const char	*key;
	bool		 live;	/* applied at run time, without a restart */
};

/*
 * Fill out (at most max entries) with the keys whose values differ between
 * old and new; returns how many differ (which may exceed max).
 */
size_t	 cfg_diff(const struct cfg *old, const struct cfg *new,
	    struct cfg_change *out, size_t max);

/*
 * The configuration as INI text, every key with its value in effect
 * (allocated).  Parsing it gives the same configuration back, but for
 * [users], whose names alone are shown, in a comment.
 */
char	*cfg_dump(const struct cfg *);

/*
 * The i-th key of the defaults table: its name, with *section and *def
 * (the default as text, "" when computed at start) set; NULL past the end.
 */
const char *cfg_key_at(size_t i, const char **section, const char **def);

/*
 * The default control socket path: $XDG_RUNTIME_DIR/p2psipd.sock, or
 * /run/p2psipd/p2psipd.sock.  The caller frees it.  p2psipctl uses it too.
 */
char	*cfg_default_control_socket(void);

#endif
