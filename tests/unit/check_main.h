/*
 * check_main.h - what a unit suite's file gives check_main.c: its
 * suite.  Each check_*.c file is one program, linked with check_main.c.
 */
#ifndef CHECK_MAIN_H
#define CHECK_MAIN_H

#include <check.h>

Suite	*check_suite(void);

#endif
