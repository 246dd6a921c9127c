// The firmware application on an emulated board: the serial protocol (firmware/app) on
// the board UART, which QEMU connects to the host (-serial pty/stdio). Never returns while
// the link is open (the UART never closes; the host stops QEMU).
#include "app.h"
#include "board.h"
#include "target.h"

int main() {
    gx::gx_board_init();
    gx::gx_app_init();
    while (gx::gx_app_poll() >= 0) {
    }
    gx::gx_target_exit(0);
}
