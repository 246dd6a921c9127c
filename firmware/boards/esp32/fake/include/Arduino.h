// Stand-in for the Arduino-ESP32 core's Arduino.h: only what the glove's ESP32 files use, with
// the core's own declarations (cores/esp32: esp32-hal.h, esp32-hal-gpio.h, HardwareSerial.h,
// HWCDC.h), so that board_esp32.cpp and main.cpp are compiled against the real signatures
// (tests/test_cross_esp32.py: host g++ and clang/llc for Xtensa) and, with fake_arduino.cpp,
// run on the host against simulated hardware (tests/test_esp32_board.py). Not the Arduino API
// itself: a declaration the firmware does not use is left out.
#ifndef GX_FAKE_ARDUINO_H
#define GX_FAKE_ARDUINO_H

#include <cstddef>
#include <cstdint>

// esp32-hal-gpio.h
#define LOW 0x0
#define HIGH 0x1
#define INPUT 0x01
#define OUTPUT 0x03
#define PULLUP 0x04
#define INPUT_PULLUP 0x05
#define RISING 0x01
#define FALLING 0x02
#define CHANGE 0x03

void pinMode(uint8_t pin, uint8_t mode);
int digitalRead(uint8_t pin);
void attachInterrupt(uint8_t pin, void (*handler)(void), int mode);

// esp32-hal.h
unsigned long micros();
unsigned long millis();
void delay(uint32_t ms);

#include "HardwareSerial.h"
#include "HWCDC.h"

#endif  // GX_FAKE_ARDUINO_H
