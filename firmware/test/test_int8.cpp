// Host test: runs the C++ int8 networks on golden vectors and compares every layer output.
// Usage: gx_test_int8 <lstm_vectors.bin> <cnn_vectors.bin> [<signal_vectors.bin>]
//        (any may be "-" to skip)
// File: a text line "gxint8 1 <lstm|cnn|signal> <n>\n", then n binary records of int8 bytes:
//   lstm:   input[100][2] reversed lstm_bwd slice_bwd lstm_fwd slice_fwd concat logits[26]
//   cnn:    input[28][28] conv1 pool1 conv2 pool2 reshape hidden logits[26]
//   signal: input[32][9] conv1 conv2 pool1 conv3 conv4 pool2 logits[26]
// (written by tests/test_firmware_int8.py / test_signal_net.py from Int8Network.run(return_all=True)).
// Needs the generated model sources gx_model_lstm.cpp / gx_model_cnn.cpp
// (glovexfer.export.model_data.write_model_source(..., "lstm" / "cnn", dir)); the signal
// vectors need gx_model_signal.cpp too (GX_HAVE_SIGNAL_MODEL, firmware/models.cmake).
// Last line of output: "N passed, M failed" (examples; a failed start-up check counts as one
// failure). Exit status 0 iff no mismatch.
#include <cstdio>
#include <cstring>

#include "gx_model_cnn.h"
#include "gx_model_lstm.h"
#ifdef GX_HAVE_SIGNAL_MODEL
#include "gx_model_signal.h"
#endif
#include "network.h"

namespace {

struct Part {
    const char* name;
    const int8_t* got;
    int size;
};

int g_passed = 0, g_failed = 0;
long g_values = 0, g_mismatches = 0;
bool g_reported = false;

gx::GxLstmNetTrace g_lt;
gx::GxLstmNetTrace g_lt_ref;  // the LSTM kernel's reference loops (gx_lstm_force_reference)
gx::GxCnnNetTrace g_ct;
gx::GxNetCtx g_net;  // the networks' scratch
#ifdef GX_HAVE_SIGNAL_MODEL
gx::GxSignalNetTrace g_st;
#endif
int8_t g_record[64 * 1024];

// Compare a record's golden parts (after the input) with the C++ values.
bool compare(const char* net, int ex, const int8_t* golden, const Part* parts, int n_parts) {
    bool ok = true;
    for (int p = 0; p < n_parts; ++p) {
        for (int i = 0; i < parts[p].size; ++i) {
            ++g_values;
            if (golden[i] != parts[p].got[i]) {
                ++g_mismatches;
                if (!g_reported)
                    std::printf("FIRST MISMATCH %s example %d layer %s index %d: golden %d C++ %d\n", net, ex,
                                parts[p].name, i, golden[i], parts[p].got[i]);
                g_reported = true;
                ok = false;
            }
        }
        golden += parts[p].size;
    }
    return ok;
}

FILE* open_vectors(const char* path, const char* kind, int* n) {
    FILE* f = std::fopen(path, "rb");
    if (!f) return nullptr;
    char tag[16], k[16];
    int ver = 0;
    if (std::fscanf(f, "%15s %d %15s %d", tag, &ver, k, n) != 4 || std::strcmp(tag, "gxint8") != 0 || ver != 1 ||
        std::strcmp(k, kind) != 0 || std::fgetc(f) != '\n') {
        std::fclose(f);
        return nullptr;
    }
    return f;
}

// Prints the model line, checks the model (start-up check) and opens its vector file; a
// failure is counted and gives null.
FILE* open_checked(const char* net, const gx::GxModelInfo& info, bool verified, uint32_t computed, int32_t scratch,
                   const char* path, int* n) {
    std::printf("%s model: %s, checksum 0x%08X, scratch %d bytes\n", net, info.version,
                static_cast<unsigned>(info.checksum), static_cast<int>(scratch));
    if (!verified) {
        std::printf("%s model: start-up check FAILED (checksum 0x%08X)\n", net, static_cast<unsigned>(computed));
        ++g_failed;
        return nullptr;
    }
    FILE* f = open_vectors(path, net, n);
    if (!f) {
        std::printf("cannot read %s\n", path);
        ++g_failed;
    }
    return f;
}

uint32_t lstm_sum(const gx::GxLstmNetModel* m) {
    uint32_t s = 0;
    return gx::gx_lstm_net_checksum(m, &s) ? s : 0;
}
uint32_t cnn_sum(const gx::GxCnnNetModel* m) {
    uint32_t s = 0;
    return gx::gx_cnn_net_checksum(m, &s) ? s : 0;
}
#ifdef GX_HAVE_SIGNAL_MODEL
uint32_t signal_sum(const gx::GxSignalNetModel* m) {
    uint32_t s = 0;
    return gx::gx_signal_net_checksum(m, &s) ? s : 0;
}
#endif

// Reads n records (input rows x cols, then every part's golden values), runs the network on
// each input and compares every part; closes f.  ``run`` returns false if the net refused.
template <int Rows, int Cols, int NParts, typename Run>
void run_records(const char* net, FILE* f, int n, const Part (&parts)[NParts], Run run) {
    constexpr int kIn = Rows * Cols;
    int rec = kIn;
    for (const Part& p : parts) rec += p.size;
    for (int ex = 0; ex < n; ++ex) {
        if (std::fread(g_record, 1, rec, f) != static_cast<size_t>(rec)) {
            std::printf("%s: truncated vector file at example %d\n", net, ex);
            ++g_failed;
            break;
        }
        int8_t in[Rows][Cols];
        std::memcpy(in, g_record, kIn);
        if (run(in) && compare(net, ex, g_record + kIn, parts, NParts)) ++g_passed; else ++g_failed;
    }
    std::fclose(f);
}

void run_lstm(const char* path) {
    const gx::GxLstmNetModel* m = gx::gx_model_lstm();
    int n = 0;
    FILE* f = open_checked("lstm", m->info, gx::gx_lstm_net_verify(m), lstm_sum(m), gx::gx_lstm_net_scratch_bytes(), path, &n);
    if (!f) return;
    int8_t logits[gx::kGxClasses];
    const Part parts[] = {
        {"reversed", &g_lt.reversed[0][0], sizeof g_lt.reversed},
        {"lstm_bwd", &g_lt.lstm_bwd[0][0], sizeof g_lt.lstm_bwd},
        {"slice_bwd", g_lt.slice_bwd, sizeof g_lt.slice_bwd},
        {"lstm_fwd", &g_lt.lstm_fwd[0][0], sizeof g_lt.lstm_fwd},
        {"slice_fwd", g_lt.slice_fwd, sizeof g_lt.slice_fwd},
        {"concat", g_lt.concat, sizeof g_lt.concat},
        {"logits", logits, gx::kGxClasses},
    };
    // the first kRefExamples examples also through the kernel's reference loops, which must
    // give every value of the fast (packed) path
    constexpr int kRefExamples = 20;
    int ex = 0;
    run_records<gx::kGxLstmSteps, gx::kGxLstmIn>("lstm", f, n, parts, [&](const int8_t (&in)[gx::kGxLstmSteps][gx::kGxLstmIn]) {
        if (ex++ < kRefExamples) {
            int8_t ref_logits[gx::kGxClasses];
            gx::gx_lstm_force_reference(true);
            const bool ok = gx::gx_lstm_net_run(&g_net, m, in, ref_logits, &g_lt_ref);
            gx::gx_lstm_force_reference(false);
            if (!ok || !gx::gx_lstm_net_run(&g_net, m, in, logits, &g_lt) || std::memcmp(&g_lt, &g_lt_ref, sizeof g_lt) != 0 ||
                std::memcmp(logits, ref_logits, sizeof logits) != 0) {
                std::printf("lstm example %d: the reference loops and the packed fast path differ\n", ex - 1);
                return false;
            }
            return true;
        }
        return gx::gx_lstm_net_run(&g_net, m, in, logits, &g_lt);
    });
}

void run_cnn(const char* path) {
    const gx::GxCnnNetModel* m = gx::gx_model_cnn();
    int n = 0;
    FILE* f = open_checked("cnn", m->info, gx::gx_cnn_net_verify(m), cnn_sum(m), gx::gx_cnn_net_scratch_bytes(), path, &n);
    if (!f) return;
    int8_t logits[gx::kGxClasses];
    const Part parts[] = {
        {"conv1", g_ct.conv1, sizeof g_ct.conv1},   {"pool1", g_ct.pool1, sizeof g_ct.pool1},
        {"conv2", g_ct.conv2, sizeof g_ct.conv2},   {"pool2", g_ct.pool2, sizeof g_ct.pool2},
        {"reshape", g_ct.pool2, sizeof g_ct.pool2}, {"hidden", g_ct.hidden, sizeof g_ct.hidden},
        {"logits", logits, gx::kGxClasses},
    };
    int ex = 0;
    run_records<gx::kGxCnnIn, gx::kGxCnnIn>("cnn", f, n, parts, [&](const int8_t (&in)[gx::kGxCnnIn][gx::kGxCnnIn]) {
        // the run without a trace (no conv maps: the recogniser's path) gives the same logits
        int8_t fast[gx::kGxClasses];
        const bool ok = gx::gx_cnn_net_run(&g_net, m, in, fast, nullptr) && gx::gx_cnn_net_run(&g_net, m, in, logits, &g_ct);
        if (ok && std::memcmp(fast, logits, sizeof fast) != 0) {
            std::printf("cnn example %d: logits without a trace differ from the traced run\n", ex);
            ++ex;
            return false;
        }
        ++ex;
        return ok;
    });
}

void run_signal(const char* path) {
#ifdef GX_HAVE_SIGNAL_MODEL
    const gx::GxSignalNetModel* m = gx::gx_model_signal();
    int n = 0;
    FILE* f = open_checked("signal", m->info, gx::gx_signal_net_verify(m), signal_sum(m), gx::gx_signal_net_scratch_bytes(), path, &n);
    if (!f) return;
    int8_t logits[gx::kGxClasses];
    const Part parts[] = {
        {"conv1", g_st.conv1, sizeof g_st.conv1}, {"conv2", g_st.conv2, sizeof g_st.conv2},
        {"pool1", g_st.pool1, sizeof g_st.pool1}, {"conv3", g_st.conv3, sizeof g_st.conv3},
        {"conv4", g_st.conv4, sizeof g_st.conv4}, {"pool2", g_st.pool2, sizeof g_st.pool2},
        {"logits", logits, gx::kGxClasses},
    };
    run_records<gx::kGxSignalSteps, gx::kGxSignalIn>(
        "signal", f, n, parts, [&](const int8_t (&in)[gx::kGxSignalSteps][gx::kGxSignalIn]) {
            return gx::gx_signal_net_run(&g_net, m, in, logits, &g_st);
        });
#else
    std::printf("signal vectors %s given, but no gx_model_signal.cpp compiled in\n", path);
    ++g_failed;
#endif
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3 && argc != 4) {
        std::printf("usage: %s <lstm_vectors.bin|-> <cnn_vectors.bin|-> [<signal_vectors.bin|->]\n0 passed, 1 failed\n",
                    argv[0]);
        return 2;
    }
    if (std::strcmp(argv[1], "-") != 0) {
        const int32_t bad = gx::gx_lstm_activation_mismatches();
        std::printf("lstm activations over int16: %ld mismatches\n", static_cast<long>(bad));
        if (bad != 0) ++g_failed;
        run_lstm(argv[1]);
    }
    if (std::strcmp(argv[2], "-") != 0) run_cnn(argv[2]);
    if (argc == 4 && std::strcmp(argv[3], "-") != 0) run_signal(argv[3]);
    std::printf("%ld values compared, %ld mismatches\n", g_values, g_mismatches);
    std::printf("%d passed, %d failed\n", g_passed, g_failed);
    return g_failed == 0 ? 0 : 1;
}
