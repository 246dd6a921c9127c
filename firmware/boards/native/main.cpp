// The virtual glove: the firmware app on the host.
//   gx_glove            serial = stdin/stdout; exits at end of stdin
//   gx_glove --pty      serial = a new pseudo-terminal; prints "PTY <path>" on stderr and
//                       runs until SIGTERM/SIGINT (host tools open <path> like /dev/ttyUSB0)
//   --settings DIR      keep the settings store (sensor and letter calibration) in files
//                       under DIR, so that it survives a restart (default: forgotten at exit)
#include <csignal>
#include <cstdio>
#include <cstring>

#include "app.h"
#include "board.h"
#include "board_native.h"

namespace {
volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }
}  // namespace

int main(int argc, char** argv) {
    bool pty = false;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--pty") == 0) {
            pty = true;
        } else if (std::strcmp(argv[i], "--settings") == 0 && i + 1 < argc) {
            if (!gx::gx_native_set_settings_dir(argv[++i])) {
                std::fprintf(stderr, "gx_glove: --settings: the directory name is empty or too long\n");
                return 2;
            }
        } else {
            std::fprintf(stderr, "usage: %s [--pty] [--settings DIR]\n", argv[0]);
            return 2;
        }
    }
    std::signal(SIGTERM, on_signal);
    std::signal(SIGINT, on_signal);
    std::signal(SIGPIPE, SIG_IGN);
    gx::gx_board_init();
    if (pty) {
        char path[256];
        if (!gx::gx_native_open_pty(path, sizeof path)) {
            std::fprintf(stderr, "gx_glove: cannot open a pseudo-terminal\n");
            return 1;
        }
        std::fprintf(stderr, "PTY %s\n", path);
        std::fflush(stderr);
    }
    gx::gx_app_init();
    while (!g_stop) {
        const int r = gx::gx_app_poll();
        if (r < 0) break;
        if (r == 0) gx::gx_native_wait(20);
    }
    return 0;
}
