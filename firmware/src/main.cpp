// The glove's firmware entry point (Arduino framework, PlatformIO: platformio.ini). All of
// the work is portable: the board layer (firmware/boards/esp32), the serial-protocol app
// (firmware/app) and the recogniser (firmware/core); this file only starts them.
#include <Arduino.h>

#include "app.h"
#include "board.h"

void setup() {
    gx::gx_board_init();
    gx::gx_app_init();
}

void loop() {
    // pending serial bytes + at most one IMU sample (27 Hz); when there was nothing to do,
    // sleep 1 ms so that FreeRTOS's idle task runs (the ESP32-C3 has a single core and its
    // task watchdog watches the idle task). 1 ms of 115200-baud input (12 bytes) fits the
    // UART buffer many times over; a sample period is 37 ms.
    if (gx::gx_app_poll() == 0) delay(1);
}
