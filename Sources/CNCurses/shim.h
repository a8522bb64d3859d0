#ifndef CNCURSES_SHIM_H
#define CNCURSES_SHIM_H

/* SwiftPM drops the -D flags pkg-config gives, so define them here. */
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif

#include <locale.h>
#include <wchar.h>
#include <ncursesw/curses.h>

/* Globals Swift 6 refuses as not concurrency-safe, and macros it cannot import. */
static inline WINDOW *CNCurses_stdscr(void) { return stdscr; }
static inline int CNCurses_getmaxy(WINDOW *w) { int y, x; getmaxyx(w, y, x); (void)x; return y; }
static inline int CNCurses_getmaxx(WINDOW *w) { int y, x; getmaxyx(w, y, x); (void)y; return x; }
static inline int CNCurses_COLORS(void) { return COLORS; }
static inline int CNCurses_COLOR_PAIRS(void) { return COLOR_PAIRS; }
static inline void CNCurses_set_escdelay(int ms) { set_escdelay(ms); }
static inline attr_t CNCurses_A_NORMAL(void) { return A_NORMAL; }
static inline attr_t CNCurses_A_BOLD(void) { return A_BOLD; }
static inline attr_t CNCurses_A_REVERSE(void) { return A_REVERSE; }
static inline attr_t CNCurses_A_UNDERLINE(void) { return A_UNDERLINE; }
static inline attr_t CNCurses_A_DIM(void) { return A_DIM; }
static inline attr_t CNCurses_COLOR_PAIR(int n) { return (attr_t)COLOR_PAIR(n); }
static inline int CNCurses_attrset(attr_t a) { return attrset((int)a); }
static inline int CNCurses_mvaddstr(int y, int x, const char *s) { return mvaddstr(y, x, s); }
static inline int CNCurses_get_wch(WINDOW *w, wint_t *ch) { return wget_wch(w, ch); }
static inline int CNCurses_KEY_CODE_YES(void) { return KEY_CODE_YES; }
static inline int CNCurses_KEY_F(int n) { return KEY_F(n); }
/* Bracketed paste (xterm's mode 2004): the markers around a paste, as key codes of our own. */
static inline int CNCurses_KEY_PASTE_BEGIN(void) { return KEY_MAX + 1; }
static inline int CNCurses_KEY_PASTE_END(void) { return KEY_MAX + 2; }
static inline void CNCurses_define_paste_keys(void) {
    define_key("\033[200~", KEY_MAX + 1);
    define_key("\033[201~", KEY_MAX + 2);
}
/* Writes a control sequence to the terminal at once, after anything curses has buffered. */
static inline void CNCurses_write_now(const char *s) { fflush(stdout); fputs(s, stdout); fflush(stdout); }
/* newterm on the process's own stdout/stdin: returns NULL (instead of exiting) for an unknown TERM. */
static inline SCREEN *CNCurses_newterm(void) { return newterm(NULL, stdout, stdin); }

#endif
