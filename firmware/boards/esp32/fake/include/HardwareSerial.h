// Stand-in for cores/esp32/HardwareSerial.h (the UART Serial of the ESP32 DevKitC). See Arduino.h.
#ifndef GX_FAKE_HARDWARE_SERIAL_H
#define GX_FAKE_HARDWARE_SERIAL_H

#include <cstddef>
#include <cstdint>

#include "Stream.h"

#define SERIAL_8N1 0x800001c

class HardwareSerial : public Stream {
public:
    explicit HardwareSerial(uint8_t uart_nr);
    void begin(unsigned long baud, uint32_t config = SERIAL_8N1, int8_t rxPin = -1, int8_t txPin = -1,
               bool invert = false, unsigned long timeout_ms = 20000UL, uint8_t rxfifo_full_thrhd = 112);
    int available() override;
    int peek() override;
    int read() override;
    size_t write(uint8_t) override;
    size_t write(const uint8_t* buffer, size_t size) override;
    //! Must be called before begin(); the core's default is 256 bytes.
    size_t setRxBufferSize(size_t new_size);
};

#ifndef ARDUINO_USB_CDC_ON_BOOT
#define ARDUINO_USB_CDC_ON_BOOT 0
#endif
#if ARDUINO_USB_CDC_ON_BOOT  // Serial is the USB CDC (HWCDC.h); the UART is Serial0
extern HardwareSerial Serial0;
#else
extern HardwareSerial Serial;
#endif

#endif  // GX_FAKE_HARDWARE_SERIAL_H
