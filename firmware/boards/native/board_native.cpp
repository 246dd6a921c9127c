// Host-native board: the virtual glove. Serial = stdin/stdout, or a pseudo-terminal
// (--pty) that host tools open like a real glove's /dev/ttyUSB0. No IMU: samples arrive
// over the serial line ("s ..." lines, docs/serial-protocol.md).
#include "board_native.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include "board.h"

namespace gx {

namespace {
int g_in_fd = 0;
int g_out_fd = 1;
bool g_pty = false;
timespec g_t0;
}  // namespace

bool gx_native_open_pty(char* slave_path, int max) {
    const int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m < 0 || grantpt(m) != 0 || unlockpt(m) != 0) return false;
    const char* name = ptsname(m);
    if (name == nullptr) return false;
    // Keep a slave descriptor open ourselves: reads never see EIO/hang-up while no client
    // is connected, and its termios can be set to raw (no echo, no CR/LF mapping).
    const int s = open(name, O_RDWR | O_NOCTTY);
    if (s < 0) return false;
    termios tio;
    if (tcgetattr(s, &tio) == 0) {
        cfmakeraw(&tio);
        tcsetattr(s, TCSANOW, &tio);
    }
    int i = 0;
    for (; name[i] != '\0' && i < max - 1; ++i) slave_path[i] = name[i];
    slave_path[i] = '\0';
    g_in_fd = g_out_fd = m;
    g_pty = true;
    return true;
}

void gx_native_wait(int timeout_ms) {
    pollfd p{g_in_fd, POLLIN, 0};
    poll(&p, 1, timeout_ms);
}

void gx_board_init() { clock_gettime(CLOCK_MONOTONIC, &g_t0); }

uint32_t gx_board_millis() {
    timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    const int64_t ms = (static_cast<int64_t>(t.tv_sec) - g_t0.tv_sec) * 1000 + (t.tv_nsec - g_t0.tv_nsec) / 1000000;
    return static_cast<uint32_t>(ms);
}

int gx_board_serial_read(uint8_t* buf, int max) {
    if (max <= 0) return 0;
    pollfd p{g_in_fd, POLLIN, 0};
    const int pr = poll(&p, 1, 0);
    if (pr <= 0) return 0;
    if ((p.revents & (POLLIN | POLLHUP | POLLERR)) == 0) return 0;
    const ssize_t n = read(g_in_fd, buf, static_cast<size_t>(max));
    if (n > 0) return static_cast<int>(n);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
    if (g_pty) return 0;  // a pty client went away: keep running for the next one
    return -1;            // end of stdin: the virtual glove is switched off
}

void gx_board_serial_write(const char* s, int n) {
    while (n > 0) {
        const ssize_t w = write(g_out_fd, s, static_cast<size_t>(n));
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) {
                gx_native_wait(1);
                continue;
            }
            return;  // output closed: drop the line
        }
        s += w;
        n -= static_cast<int>(w);
    }
}

bool gx_board_imu_read(int16_t counts[9]) {
    (void)counts;
    return false;
}

const char* gx_board_name() { return "native"; }

}  // namespace gx
