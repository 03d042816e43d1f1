/*
 * cfg_int.h - what the configuration's files share: the table of keys
 * (cfg_key.c), which the parser (cfg_parse.c) sets and cfg.c frees,
 * compares and prints.
 */
#ifndef CFG_INT_H
#define CFG_INT_H

#include <stdbool.h>
#include <stddef.h>

struct cfg;

enum cfg_type {
	CFG_PATH,		/* a file name, made absolute */
	CFG_LOGLEVEL,		/* enum log_level by name */
	CFG_INT,		/* an int within [min, max] */
	CFG_FQDN,		/* a DNS name (RFC 1035 §2.3.1) */
	CFG_ADDR,		/* IP:port; the port may default */
	CFG_ADDRLIST,		/* comma-separated IP:port; lines append */
	CFG_BOOL,		/* yes or no, as an int */
	CFG_IP,			/* an IP address, no port; "": none */
	CFG_AORLIST,		/* comma-separated AORs; lines append */
	CFG_CHOICE,		/* one of choices, as its index (an int) */
	CFG_PORTS,		/* LO-HI: an even range of UDP ports (two
				   ints: the field and the next) */
	CFG_TEXT,		/* printable ASCII, no blanks, at most max
				   bytes; "": none */
};

#define CFG_F_LIVE	0x1	/* SIGHUP applies it without a restart */
#define CFG_F_OFF	0x2	/* CFG_ADDR: "" or "off" turns it off
				   (family 0) */
#define CFG_F_SECRET	0x8	/* CFG_TEXT: never shown (--dump-config) */
#define CFG_F_PORT0	0x4	/* CFG_ADDR: port 0: a free one, picked */

struct cfg_key {
	const char	*section;
	const char	*name;
	enum cfg_type	 type;
	size_t		 off;	/* offset of the field in struct cfg */
	const char	*def;	/* default as text; "" for a computed one */
	unsigned	 flags;
	long		 min, max;	/* CFG_INT */
	const char *const *choices;	/* CFG_CHOICE, NULL-terminated */
};

/* Keys in the table: a constant, as the parser sizes arrays by it
 * (cfg_key.c checks the count when it compiles). */
#define CFG_NKEYS	67

/* Every key, with its default, CFG_NKEYS of them. */
extern const struct cfg_key *const cfg_key_table;

/* The key section.name, its index in the table into *idx; or NULL. */
const struct cfg_key *cfg_key_find(const char *section, const char *name,
	    size_t *idx);
/* Does any key live in section? */
bool	 cfg_key_section_known(const char *section);

/*
 * Set one key from its text form; a list appends unless replace.  Returns
 * 0, or EINVAL with *why set to an allocated explanation.
 */
int	 cfg_key_set(struct cfg *, const struct cfg_key *, const char *value,
	    bool replace, char **why);

/* A configuration of every key's default (computed ones left ""). */
struct cfg *cfg_key_defaults(void);

/* An absolute copy of path: relative ones are taken from the cwd. */
char	*cfg_key_abspath(const char *path);

#endif
