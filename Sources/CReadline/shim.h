#ifndef RNNSCRIPT_READLINE_SHIM_H
#define RNNSCRIPT_READLINE_SHIM_H
#include <stdio.h>
#include <readline/readline.h>
#include <readline/history.h>

// Swift 6 forbids touching mutable C globals directly; these setters keep
// readline's globals behind functions.
static inline void rnn_rl_set_name(const char *name) { rl_readline_name = name; }
static inline void rnn_rl_set_completion(rl_completion_func_t *fn) { rl_attempted_completion_function = fn; }
static inline void rnn_rl_set_word_breaks(const char *breaks) { rl_basic_word_break_characters = breaks; }
static inline void rnn_rl_set_completion_append(int c) { rl_completion_append_character = c; }
static inline void rnn_rl_no_default_completion(void) { rl_attempted_completion_over = 1; }
static inline void rnn_rl_set_catch_signals(int on) { rl_catch_signals = on; }
static inline const char *rnn_rl_line_buffer(void) { return rl_line_buffer; }
/* The newest history line, or NULL. */
static inline const char *rnn_history_last(void) {
    HIST_ENTRY *e = history_length > 0 ? history_get(history_base + history_length - 1) : NULL;
    return e ? e->line : NULL;
}
static inline void rnn_rl_set_filename_quoting(int on) { rl_filename_quoting_desired = on; }
static inline void rnn_rl_clear_line(void) {
    rl_replace_line("", 0);
    rl_crlf();
    rl_on_new_line();
    rl_redisplay();
}
#endif
