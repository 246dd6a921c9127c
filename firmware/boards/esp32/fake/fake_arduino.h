// Host-side fakes of the Arduino-ESP32 and ESP-IDF calls of the glove's board layer
// (include/: the declarations; fake_arduino.cpp: these behaviours), and the handles a test
// drives them with. Time is simulated: it moves only by delay() and advance_us(), and a
// periodic esp_timer fires once per elapsed period, synchronously, as the esp_timer task
// would. The I2C bus talks to a simulated MPU-9250 (mpu9250_sim.h), the serial port has a
// receive buffer of the size the firmware asks for (the core's 256 bytes by default) that
// drops what does not fit, as the UART driver does, and records everything written.
#ifndef GX_FAKE_ARDUINO_CONTROL_H
#define GX_FAKE_ARDUINO_CONTROL_H

#include <cstddef>
#include <cstdint>

#include "mpu9250_sim.h"

namespace gxfake {

//! Power-on state: time 0, empty serial buffers, pins high (pull-ups), no timer, and an
//! MPU-9250 with this WHO_AM_I that answers with its magnetometer.
void reset(uint8_t who_am_i = 0x71);

uint64_t now_us();
//! Lets time pass, firing every timer period that ends on the way.
void advance_us(uint64_t us);

// ---- serial ----
//! Bytes arriving from the host; returns how many fit in the receive buffer (the rest is lost).
size_t host_send(const char* s);
size_t rx_dropped();                  //!< bytes lost to a full receive buffer so far
size_t rx_buffer_size();              //!< current capacity
bool rx_size_set_before_begin();      //!< setRxBufferSize() came before begin()
unsigned long serial_baud();          //!< 0 until begin()
const char* serial_kind();            //!< "HardwareSerial" or "HWCDC": whichever began
const char* tx();                     //!< everything written so far (NUL terminated)
size_t tx_len();
void clear_tx();

// ---- GPIO ----
void set_pin(uint8_t pin, int level);
int pin_mode(uint8_t pin);  //!< -1 until pinMode()

// ---- esp_timer ----
struct TimerInfo {
    bool created, running;
    uint64_t period_us;
    int dispatch;  //!< esp_timer_dispatch_t
    const char* name;
    bool skip_unhandled_events;
    long fires;  //!< callbacks run so far
};
TimerInfo timer();

// ---- I2C ----
gx::GxMpu9250Sim& imu();
int wire_sda();
int wire_scl();
uint32_t wire_hz();
int wire_transactions();  //!< endTransmission + requestFrom calls

}  // namespace gxfake

#endif  // GX_FAKE_ARDUINO_CONTROL_H
