// Stand-in for the Arduino-ESP32 core's libraries/Preferences/src/Preferences.h (key-value
// storage in the NVS flash partition): the declarations the glove's board layer uses. See
// Arduino.h. The fake keeps the records in host memory that survives gxfake::reset() (flash
// survives a reboot); gxfake::nvs_erase() empties it.
#ifndef GX_FAKE_PREFERENCES_H
#define GX_FAKE_PREFERENCES_H

#include <cstddef>
#include <cstdint>

class Preferences {
public:
    Preferences();
    ~Preferences();
    //! Opens a namespace (at most 15 characters); false when NVS cannot be used.
    bool begin(const char* name, bool readOnly = false, const char* partition_label = nullptr);
    void end();
    bool remove(const char* key);
    bool isKey(const char* key);
    //! Bytes written (0 on failure).
    size_t putBytes(const char* key, const void* value, size_t len);
    //! Length of a stored byte record (0: none).
    size_t getBytesLength(const char* key);
    //! Bytes copied (0 when there is no record or it is longer than maxLen).
    size_t getBytes(const char* key, void* buf, size_t maxLen);

private:
    bool started_;
    bool read_only_;
};

namespace gxfake {
void nvs_erase();             //!< an erased NVS partition
int nvs_writes();             //!< putBytes/remove calls that changed the flash since nvs_erase()
void nvs_fail(bool fail);     //!< make begin() fail (a corrupt or missing NVS partition)
}  // namespace gxfake

#endif  // GX_FAKE_PREFERENCES_H
