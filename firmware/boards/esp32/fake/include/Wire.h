// Stand-in for the Arduino-ESP32 core's libraries/Wire/src/Wire.h (TwoWire, I2C master). See
// Arduino.h. GX_ARDUINO_ESP32_MAJOR=2 declares the 2.0.x overload set of requestFrom (the core
// PlatformIO's espressif32 platform ships), where a call that 3.x accepts can be ambiguous.
#ifndef GX_FAKE_WIRE_H
#define GX_FAKE_WIRE_H

#include <cstddef>
#include <cstdint>

#include "Stream.h"

class TwoWire : public Stream {
public:
    explicit TwoWire(uint8_t bus_num);
    //! true when the bus could be set up; frequency 0: 100 kHz.
    bool begin(int sda, int scl, uint32_t frequency = 0);
    void beginTransmission(uint8_t address);
    //! 0: success; 2: address NACK; 3: data NACK; 4: other error; 5: timeout.
    uint8_t endTransmission(bool stopBit);
    uint8_t endTransmission();
    //! The number of bytes received (0 on a NACK).
    size_t requestFrom(uint8_t address, size_t len, bool stopBit);
#if GX_ARDUINO_ESP32_MAJOR == 2
    size_t requestFrom(uint16_t address, size_t size, bool sendStop);
    uint8_t requestFrom(uint16_t address, uint8_t size, bool sendStop);
    uint8_t requestFrom(uint16_t address, uint8_t size, uint8_t sendStop);
    uint8_t requestFrom(uint16_t address, uint8_t size);
    uint8_t requestFrom(uint8_t address, uint8_t size, uint8_t sendStop);
    uint8_t requestFrom(uint8_t address, uint8_t size);
    uint8_t requestFrom(int address, int size, int sendStop);
    uint8_t requestFrom(int address, int size);
#else
    size_t requestFrom(uint8_t address, size_t len);
#endif
    size_t write(uint8_t) override;
    size_t write(const uint8_t*, size_t) override;
    int available() override;
    int read() override;
    int peek() override;
};

extern TwoWire Wire;

#endif  // GX_FAKE_WIRE_H
