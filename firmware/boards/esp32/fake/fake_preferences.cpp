// The NVS behaviour behind include/Preferences.h for the host tests: one namespace, a few
// keyed byte records in memory that outlive gxfake::reset() as flash outlives a reboot.
#include <cstring>

#include "Preferences.h"

namespace {

constexpr int kRecords = 4, kKeyMax = 16, kValueMax = 18432;  // a whole letter calibration
struct Record {
    bool used;
    char key[kKeyMax];
    size_t len;
    uint8_t value[kValueMax];
};
Record g_nvs[kRecords];
int g_writes = 0;
bool g_fail = false;

Record* find(const char* key) {
    for (Record& r : g_nvs)
        if (r.used && std::strncmp(r.key, key, kKeyMax) == 0) return &r;
    return nullptr;
}

}  // namespace

namespace gxfake {
void nvs_erase() {
    for (Record& r : g_nvs) r.used = false;
    g_writes = 0;
}
int nvs_writes() { return g_writes; }
void nvs_fail(bool fail) { g_fail = fail; }
}  // namespace gxfake

Preferences::Preferences() : started_(false), read_only_(false) {}
Preferences::~Preferences() { end(); }

bool Preferences::begin(const char* name, bool readOnly, const char*) {
    if (g_fail || name == nullptr || std::strlen(name) > 15) return false;
    started_ = true;
    read_only_ = readOnly;
    return true;
}

void Preferences::end() { started_ = false; }

bool Preferences::isKey(const char* key) { return started_ && find(key) != nullptr; }

bool Preferences::remove(const char* key) {
    Record* r = started_ && !read_only_ ? find(key) : nullptr;
    if (r == nullptr) return false;
    r->used = false;
    ++g_writes;
    return true;
}

size_t Preferences::putBytes(const char* key, const void* value, size_t len) {
    if (!started_ || read_only_ || len > kValueMax || std::strlen(key) >= kKeyMax) return 0;
    Record* r = find(key);
    for (int i = 0; r == nullptr && i < kRecords; ++i)
        if (!g_nvs[i].used) r = &g_nvs[i];
    if (r == nullptr) return 0;
    r->used = true;
    std::memcpy(r->key, key, std::strlen(key) + 1);  // < kKeyMax, checked above
    std::memcpy(r->value, value, len);
    r->len = len;
    ++g_writes;
    return len;
}

size_t Preferences::getBytesLength(const char* key) {
    const Record* r = started_ ? find(key) : nullptr;
    return r == nullptr ? 0 : r->len;
}

size_t Preferences::getBytes(const char* key, void* buf, size_t maxLen) {
    const Record* r = started_ ? find(key) : nullptr;
    if (r == nullptr || r->len > maxLen) return 0;
    std::memcpy(buf, r->value, r->len);
    return r->len;
}
