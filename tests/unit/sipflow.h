/*
 * sipflow.h - what the SIP unit suites share: a UDP flow from "IP:port".
 * Header-only: each suite is one program.
 */
#ifndef SIPFLOW_H
#define SIPFLOW_H

#include <string.h>

#include <check.h>

#include "addr.h"
#include "sip_txn.h"

static void
flow(struct sip_flow *f, const char *a)
{
	memset(f, 0, sizeof *f);
	f->tp = SIP_TP_UDP;
	ck_assert_int_eq(addr_parse(a, 0, &f->remote), 0);
}

#endif
