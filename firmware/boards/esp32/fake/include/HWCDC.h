// Stand-in for cores/esp32/HWCDC.h: the ESP32-C3's USB Serial/JTAG controller, which is
// Serial when the environment sets ARDUINO_USB_MODE=1 and ARDUINO_USB_CDC_ON_BOOT=1
// (platformio.ini, env:esp32c3). See Arduino.h.
#ifndef GX_FAKE_HWCDC_H
#define GX_FAKE_HWCDC_H

#include <cstddef>
#include <cstdint>

#include "Stream.h"

#if defined(CONFIG_IDF_TARGET_ESP32C3)
class HWCDC : public Stream {
public:
    HWCDC();
    size_t setRxBufferSize(size_t);
    void begin(unsigned long baud = 0);
    int available() override;
    int peek() override;
    int read() override;
    size_t write(uint8_t) override;
    size_t write(const uint8_t* buffer, size_t size) override;
};
#if ARDUINO_USB_MODE && ARDUINO_USB_CDC_ON_BOOT
#if GX_ARDUINO_ESP32_MAJOR == 2
extern HWCDC Serial;
#else
extern HWCDC HWCDCSerial;
#define Serial HWCDCSerial
#endif
#endif
#endif

#endif  // GX_FAKE_HWCDC_H
