// Stand-in for the Arduino core's Print/Stream (cores/esp32/Print.h, Stream.h): the members the
// glove's code reaches through Serial. See Arduino.h.
#ifndef GX_FAKE_STREAM_H
#define GX_FAKE_STREAM_H

#include <cstddef>
#include <cstdint>

// The core's major version the stand-ins follow (3: current; 2: the 2.0.x that PlatformIO's
// espressif32 platform ships). Where they differ for a call the firmware makes, both are here.
#ifndef GX_ARDUINO_ESP32_MAJOR
#define GX_ARDUINO_ESP32_MAJOR 3
#endif

class Print {
public:
    virtual ~Print() {}
    virtual size_t write(uint8_t) = 0;
    virtual size_t write(const uint8_t* buffer, size_t size);
    size_t print(const char[]);
};

class Stream : public Print {
public:
    virtual int available() = 0;
    virtual int read() = 0;
    virtual int peek() = 0;
};

#endif  // GX_FAKE_STREAM_H
