/*
 * main.c - p2psipd: flags, config, daemonizing, pidfile.
 *
 * Without -f the process forks twice and the first parent waits on a pipe
 * until the daemon has its store and control socket, so the exit status of
 * "p2psipd" says whether the daemon really started, and start-up errors
 * still reach the terminal; the log goes to syslog.
 */
#define _GNU_SOURCE		/* pipe2 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "ctl_cmd.h"
#include "d.h"
#include "identity.h"
#include "log.h"
#include "srv.h"
#include "version.h"
#include "xmalloc.h"

#define OVERRIDES_MAX	256

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: p2psipd [-f] [-c FILE] [-o SECTION.KEY=VALUE]...\n"
	    "       p2psipd [-c FILE] [-o SECTION.KEY=VALUE]... "
	    "--check-config [-v]\n"
	    "       p2psipd [-c FILE] [-o SECTION.KEY=VALUE]... --csr\n"
	    "       p2psipd --version\n"
	    "\n"
	    "  -c FILE         read the config file FILE (default: none, "
	    "built-in defaults)\n"
	    "  -o S.K=V        set key K of section [S], over the file\n"
	    "  -f              stay in the foreground and log to stderr\n"
	    "  --check-config  check the configuration and exit; with -v,\n"
	    "                  print it as the daemon would use it\n"
	    "  --csr           print a certificate request for the node's key\n"
	    "                  (made if missing), for the overlay's CA\n"
	    "  --version       print the version and exit\n"
	    "  -h, --help      print this help and exit\n"
	    "\n"
	    "See p2psipd(8) and p2psipd.conf(5).\n");
}

/* Print each line of a multi-line error, prefixed. */
static void
print_cause(const char *cause)
{
	const char	*p = cause, *nl;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		fprintf(stderr, "p2psipd: %.*s\n",
		    (int)(nl != NULL ? (size_t)(nl - p) : strlen(p)), p);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
}

/*
 * Fork into the background.  Returns, in the daemon, the pipe's write end:
 * write "1" to it once ready.  The original process exits 0 when it reads
 * that, 1 when the pipe closes without it.
 */
static int
daemonize(void)
{
	int	p[2];
	char	c = 0;
	ssize_t	n;
	pid_t	pid;

	if (pipe2(p, O_CLOEXEC) == -1)
		fatal("pipe2");
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid != 0) {
		close(p[1]);
		do
			n = read(p[0], &c, 1);
		while (n == -1 && errno == EINTR);
		_exit(n == 1 && c == '1' ? 0 : 1);
	}
	close(p[0]);
	if (setsid() == -1)
		fatal("setsid");
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid != 0)
		_exit(0);	/* the daemon is no session leader */
	return p[1];
}

static int
pidfile_write(const char *path, char **cause)
{
	char	buf[32];
	int	fd, n, rc = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1) {
		rc = errno;
		*cause = xasprintf("%s: %s", path, strerror(rc));
		return rc;
	}
	n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (write(fd, buf, (size_t)n) != n) {
		rc = errno != 0 ? errno : EIO;
		*cause = xasprintf("%s: write: %s", path, strerror(rc));
	}
	close(fd);
	return rc;
}

/* Detach stdio and tell the waiting parent that all went well. */
static void
daemon_ready(int ready_fd)
{
	int	fd;

	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	if (chdir("/") == -1)
		log_warn("chdir /");
	if (write(ready_fd, "1", 1) != 1)
		log_warn("readiness pipe");
	close(ready_fd);
}

struct opts {
	const char	*file;
	const char	*overrides[OVERRIDES_MAX];
	size_t		 noverrides;
	bool		 foreground;
	bool		 check;
	bool		 csr;
	bool		 verbose;
};

/* Read the command line into o: -1 to go on, else the exit status. */
static int
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "check-config",	no_argument,	NULL,	'n' },
		{ "csr",		no_argument,	NULL,	'R' },
		{ "version",		no_argument,	NULL,	'V' },
		{ "help",		no_argument,	NULL,	'h' },
		{ NULL,			0,		NULL,	0 }
	};
	int	ch;

	while ((ch = getopt_long(argc, argv, "c:o:fhv", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->file = optarg;
			break;
		case 'o':
			if (o->noverrides == OVERRIDES_MAX) {
				fprintf(stderr, "p2psipd: more than %d -o\n",
				    OVERRIDES_MAX);
				return 2;
			}
			o->overrides[o->noverrides++] = optarg;
			break;
		case 'f':
			o->foreground = true;
			break;
		case 'n':
			o->check = true;
			break;
		case 'R':
			o->csr = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'V':
			printf("p2psipd %s\n", P2PSIPD_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "p2psipd: unexpected argument: %s\n",
		    argv[optind]);
		usage(stderr);
		return 2;
	}
	return -1;
}

/* --check-config: the config is good; with -v, show it. */
static int
check_config(struct cfg *cfg, const struct opts *o)
{
	char	*text;

	if (o->verbose) {
		text = cfg_dump(cfg);
		fputs(text, stdout);
		free(text);
	}
	printf("%sp2psipd: configuration OK%s%s\n", o->verbose ? "\n" : "",
	    o->file ? ": " : "", o->file ? o->file : " (built-in defaults)");
	cfg_free(cfg);
	return 0;
}

/*
 * --csr: a PKCS #10 request for DATA_DIR/node.key, which an enrollment
 * CA turns into DATA_DIR/node.crt (RFC 6940 §11.3).
 */
static int
print_csr(struct cfg *cfg)
{
	char	*cause = NULL;
	int	 rc;

	umask(0077);
	if ((rc = srv_mkdirs(cfg->node.data_dir, &cause)) == 0)
		rc = identity_csr(cfg->node.data_dir, stdout, &cause);
	cfg_free(cfg);
	if (rc != 0) {
		print_cause(cause);
		free(cause);
		return 1;
	}
	return 0;
}

/* The control socket's requests go to the commands (ctl_cmd.h). */
static char *
handle_line(unsigned client, const char *line, size_t len, unsigned *flags,
    void *arg)
{
	return ctl_cmd_handle(arg, client, line, len, flags);
}

/* Start the daemon (in the background unless -f) and run it. */
static int
run_daemon(struct cfg *cfg, const struct opts *o)
{
	struct d	*d = NULL;
	char		*cause = NULL;
	int		 ready_fd = -1, rc;

	umask(0077);
	/* In the background the log is syslog from the start; a failure to
	 * start still reaches the terminal through print_cause. */
	log_init(o->foreground, cfg->node.log_level);
	if (!o->foreground)
		ready_fd = daemonize();
	if (!ctl_cmd_check_tables(&cause)) {
		cfg_free(cfg);
		goto fail;
	}
	if (d_new(&d, cfg, o->file, o->overrides, o->noverrides, handle_line,
	    &cause) != 0)
		goto fail;
	if (!o->foreground) {
		if (pidfile_write(d->cfg->node.pidfile, &cause) != 0)
			goto fail;
		daemon_ready(ready_fd);
	}
	rc = d_run(d);
	if (!o->foreground && unlink(d->cfg->node.pidfile) == -1)
		log_warn("unlink %s", d->cfg->node.pidfile);
	d_free(d);
	log_info("p2psipd: stopped");
	return rc;
fail:
	print_cause(cause);
	free(cause);
	d_free(d);
	return 1;
}

int
main(int argc, char **argv)
{
	static struct opts	 o;
	struct cfg		*cfg;
	char			*cause = NULL;
	int			 rc;

	if ((rc = parse_args(argc, argv, &o)) >= 0)
		return rc;
	if (cfg_load(&cfg, o.file, o.overrides, o.noverrides, &cause) != 0) {
		print_cause(cause);
		free(cause);
		return 1;
	}
	if (o.check)
		return check_config(cfg, &o);
	if (o.csr)
		return print_csr(cfg);
	return run_daemon(cfg, &o);
}
