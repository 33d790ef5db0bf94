// Saving: a save in place survives SIGKILL at any moment (the file holds the
// old model or the new one, never a mix), for inline and external-data ONNX;
// external data is committed under a fresh name before the model that names
// it; temporary files left by killed saves are cleaned up later; a failed
// save names the file and leaves the original alone; Save As reopens in
// every writable format with the edit and nothing else changed.
#include "testsupport.h"

#include "formats/formatregistry.h"
#include "formats/mindspore/mindir.pb.h"
#include "formats/onnx/onnxwriter.h"
#include "ir/function.h"
#include "ir/graph.h"
#include "ir/model.h"
#include "ir/modelcompare.h"
#include "ir/node.h"
#include "ir/ownedtensordata.h"
#include "ir/tensor.h"
#include "util/atomicfile.h"
#include "util/error.h"

#include <onnx/onnx_pb.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <linux/fs.h>
#include <random>
#include <set>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace nodus;
namespace fs = std::filesystem;

namespace {

using Bytes = std::vector<std::byte>;

constexpr int kTensors = 8;
constexpr int kFloats = 1 << 17; // 512 KiB a tensor: 4 MiB of weights
const std::string kBig = "w3"; // the edited weight
const std::string kTiny = "tiny"; // edited with it; small, so always inline
constexpr int kKills = 60;

std::string text(const fs::path& p)
{
    return p.string();
}

Bytes readFile(const fs::path& path)
{
    std::ifstream f(path, std::ios::binary);
    const std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    Bytes out(s.size());
    std::memcpy(out.data(), s.data(), s.size());
    return out;
}

// An inline ONNX model: kTensors float weights of kFloats each, one tiny
// tensor, each read by an Identity node.
void writeModel(const fs::path& path)
{
    ::onnx::ModelProto m;
    m.set_ir_version(8);
    m.set_producer_name("test_save");
    m.add_opset_import()->set_version(17);
    auto* g = m.mutable_graph();
    g->set_name("save");
    auto add = [g](const std::string& name, int count, float base) {
        auto* t = g->add_initializer();
        t->set_name(name);
        t->set_data_type(::onnx::TensorProto::FLOAT);
        t->add_dims(count);
        std::string raw(static_cast<std::size_t>(count) * 4, '\0');
        for (int i = 0; i < count; ++i) {
            const float v = base + static_cast<float>(i) * 1e-3f;
            std::memcpy(raw.data() + static_cast<std::size_t>(i) * 4, &v, 4);
        }
        t->set_raw_data(raw);
        auto* node = g->add_node();
        node->set_op_type("Identity");
        node->add_input(name);
        node->add_output(name + "_out");
        g->add_output()->set_name(name + "_out");
    };
    for (int k = 0; k < kTensors; ++k)
        add("w" + std::to_string(k), kFloats, static_cast<float>(k));
    add(kTiny, 4, 100);
    std::ofstream f(path, std::ios::binary);
    if (!m.SerializeToOstream(&f))
        throw std::runtime_error(text(path) + ": cannot write the test model");
}

// The same model with every weight in "<name>.data" (the tiny tensor stays
// in the model file: it is under the writer's external threshold).
void writeExternalModel(const fs::path& path)
{
    const fs::path inlined = fs::path(path).concat(".inline.onnx");
    writeModel(inlined);
    {
        const auto m = FormatRegistry::instance().open(inlined);
        OnnxWriteOptions o;
        o.externalData = OnnxWriteOptions::ExternalData::Always;
        OnnxWriter(*m, o).write(path);
    }
    fs::remove(inlined);
}

std::shared_ptr<Tensor> tensorNamed(const Model& m, const std::string& name)
{
    for (const auto& t : m.graph->initializers)
        if (t->name == name)
            return t;
    throw std::runtime_error("no tensor '" + name + "'");
}

Bytes bytesOf(const Tensor& t)
{
    const auto b = t.data->bytes();
    return Bytes(b.begin(), b.end());
}

Bytes inverted(Bytes b)
{
    for (auto& x : b)
        x = ~x;
    return b;
}

// The edit the tests make: both tensors get their bytes inverted. Applied
// twice it gives the original back.
void flip(Model& m)
{
    for (const auto& name : { kBig, kTiny }) {
        const auto t = tensorNamed(m, name);
        t->data = std::make_shared<OwnedTensorData>(inverted(bytesOf(*t)));
    }
}

std::string firstDiff(const std::vector<std::string>& diffs)
{
    return diffs.empty() ? std::string() : diffs.front();
}

// The location every external tensor of the ONNX file at `path` names
// (empty: none); throws when they name more than one.
std::string externalLocation(const fs::path& path)
{
    ::onnx::ModelProto m;
    std::ifstream f(path, std::ios::binary);
    if (!m.ParseFromIstream(&f))
        throw std::runtime_error(text(path) + ": not an ONNX model");
    std::string location;
    for (const auto& t : m.graph().initializer())
        for (const auto& kv : t.external_data())
            if (kv.key() == "location") {
                if (!location.empty() && location != kv.value())
                    throw std::runtime_error(text(path) + ": more than one data file");
                location = kv.value();
            }
    return location;
}

std::vector<std::string> namesIn(const fs::path& folder)
{
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(folder))
        names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

int countTemps(const fs::path& folder)
{
    int n = 0;
    for (const auto& name : namesIn(folder))
        n += AtomicFile::isTempName(name);
    return n;
}

// The child of a kill round: opens the model, flips it, saves it in place,
// again and again, until it is killed. Writes a byte to `ready` just before
// its first save.
[[noreturn]] void flipForever(const fs::path& path, int ready)
{
    try {
        for (bool first = true;; first = false) {
            const auto m = FormatRegistry::instance().open(path);
            flip(*m);
            if (first && ::write(ready, "r", 1) != 1)
                break;
            FormatRegistry::instance().save(*m, path);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "saving child: %s\n", e.what());
    }
    ::_exit(3);
}

struct KillReport {
    int original = 0;
    int edited = 0;
    int newTemps = 0; // kills that left a temporary file behind
    int newOrphans = 0; // ... or a data file the model does not name
    std::string failure;
};

// Kills a flipping child `kills` times at random moments spread over its
// first three save cycles; after each kill the file must open and equal
// either `a` or `b` (the flipped original).
KillReport killWhileSaving(const fs::path& path, const Model& a, const Model& b, int kills, double cycle)
{
    KillReport r;
    const unsigned seed = std::random_device()();
    std::mt19937 random(seed);
    std::uniform_real_distribution<double> delay(0, 3 * cycle);
    const fs::path folder = path.parent_path();
    int temps = countTemps(folder);
    std::set<std::string> orphans;
    for (int k = 0; k < kills; ++k) {
        int ready[2];
        const pid_t pid = ::pipe(ready) == 0 ? ::fork() : -1;
        if (pid < 0) {
            r.failure = "cannot start a saving child";
            return r;
        }
        if (pid == 0)
            flipForever(path, ready[1]);
        ::close(ready[1]);
        char byte = 0;
        const bool started = ::read(ready[0], &byte, 1) == 1;
        ::close(ready[0]);
        if (started)
            std::this_thread::sleep_for(std::chrono::duration<double>(delay(random)));
        ::kill(pid, SIGKILL);
        int status = 0;
        ::waitpid(pid, &status, 0);
        const std::string when = "kill " + std::to_string(k) + " (seed " + std::to_string(seed) + "): ";
        if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
            r.failure = when + "the saving child ended by itself (see its message above)";
            return r;
        }
        try {
            const auto now = FormatRegistry::instance().open(path);
            const auto toA = compareModels(*now, a), toB = compareModels(*now, b);
            if (toA.empty())
                ++r.original;
            else if (toB.empty())
                ++r.edited;
            else {
                r.failure = when + "the file is neither the original (" + firstDiff(toA) + ") nor the edited model ("
                    + firstDiff(toB) + ")";
                return r;
            }
            const int tempsNow = countTemps(folder);
            r.newTemps += tempsNow > temps;
            temps = tempsNow;
            const std::string location = externalLocation(path);
            std::set<std::string> orphansNow;
            for (const auto& name : namesIn(folder))
                if (name.ends_with(".data") && name != location)
                    orphansNow.insert(name);
            r.newOrphans += std::any_of(
                orphansNow.begin(), orphansNow.end(), [&](const std::string& name) { return !orphans.count(name); });
            orphans = std::move(orphansNow);
        } catch (const std::exception& e) {
            r.failure = when + e.what();
            return r;
        }
    }
    return r;
}

// Seconds for one open, flip and save in place of a scratch copy of
// `path`'s model: what a kill round spreads its delays over.
double cycleSeconds(const fs::path& scratch)
{
    std::vector<double> times;
    for (int k = 0; k < 5; ++k) {
        const auto t0 = std::chrono::steady_clock::now();
        const auto m = FormatRegistry::instance().open(scratch);
        flip(*m);
        FormatRegistry::instance().save(*m, scratch);
        times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

void setOld(const fs::path& p)
{
    fs::last_write_time(p, fs::file_time_type::clock::now() - std::chrono::hours(1));
}

void touch(const fs::path& p)
{
    std::ofstream(p) << "x";
}

// Every tensor with bytes: initializers and tensor attributes, through
// subgraphs and functions, in a fixed order.
void collectTensors(const Graph& g, std::vector<std::shared_ptr<Tensor>>& out)
{
    for (const auto& t : g.initializers)
        out.push_back(t);
    for (const auto& n : g.nodes())
        for (const auto& a : n->attributes) {
            for (const auto& t : a.tensors)
                out.push_back(t);
            for (const auto& sub : a.graphs)
                collectTensors(*sub, out);
        }
}

std::vector<std::shared_ptr<Tensor>> tensorsWithBytes(const Model& m)
{
    std::vector<std::shared_ptr<Tensor>> all, out;
    collectTensors(*m.graph, all);
    for (const auto& f : m.functions)
        if (f.graph)
            collectTensors(*f.graph, all);
    for (const auto& t : all)
        if (t->data && t->dataType != DataType::String && !t->isSparse())
            out.push_back(t);
    return out;
}

constexpr const char* kWithWeight = "+weight";

// `source` (a MindIR model) with a 64 KiB float parameter added to its
// graph, written to `target`.
fs::path withMindirWeight(const fs::path& source, const fs::path& target)
{
    mindir::ModelProto m;
    {
        std::ifstream in(source, std::ios::binary);
        if (!m.ParseFromIstream(&in))
            throw std::runtime_error(text(source) + ": cannot parse as MindIR");
    }
    auto* t = m.mutable_graph()->add_parameter();
    t->set_name(m.graph().name() + ":weight");
    t->set_data_type(mindir::TensorProto::FLOAT);
    t->add_dims(16384);
    std::string raw(16384 * 4, '\0');
    for (std::size_t k = 0; k < raw.size(); ++k)
        raw[k] = static_cast<char>(k * 7);
    t->set_raw_data(raw);
    std::ofstream out(target, std::ios::binary);
    if (!m.SerializeToOstream(&out))
        throw std::runtime_error(text(target) + ": cannot write");
    return target;
}

// Lowers the size a file may grow to for as long as it lives (a stand-in
// for a full disk), with SIGXFSZ ignored so writes fail with EFBIG instead.
class FileSizeLimit {
public:
    explicit FileSizeLimit(rlim_t bytes)
    {
        ::getrlimit(RLIMIT_FSIZE, &old_);
        oldHandler_ = std::signal(SIGXFSZ, SIG_IGN);
        rlimit lower = old_;
        lower.rlim_cur = bytes;
        ::setrlimit(RLIMIT_FSIZE, &lower);
    }
    ~FileSizeLimit()
    {
        ::setrlimit(RLIMIT_FSIZE, &old_);
        std::signal(SIGXFSZ, oldHandler_);
    }

private:
    rlimit old_ {};
    void (*oldHandler_)(int) = nullptr;
};

// Makes `folder` refuse new files for as long as it lives: mode 0555, or
// for root (whom modes do not stop) the immutable attribute.
class ReadOnlyFolder {
public:
    explicit ReadOnlyFolder(const fs::path& folder)
        : folder_(folder)
    {
        if (::geteuid() != 0) {
            active_ = ::chmod(folder.c_str(), 0555) == 0;
            return;
        }
        const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY);
        int flags = 0;
        if (fd >= 0 && ::ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0) {
            flags |= FS_IMMUTABLE_FL;
            active_ = immutable_ = ::ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0;
        }
        if (fd >= 0)
            ::close(fd);
    }
    ~ReadOnlyFolder()
    {
        if (!active_)
            return;
        if (!immutable_) {
            ::chmod(folder_.c_str(), 0755);
            return;
        }
        const int fd = ::open(folder_.c_str(), O_RDONLY | O_DIRECTORY);
        int flags = 0;
        if (fd >= 0 && ::ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0) {
            flags &= ~FS_IMMUTABLE_FL;
            ::ioctl(fd, FS_IOC_SETFLAGS, &flags);
        }
        if (fd >= 0)
            ::close(fd);
    }
    bool active() const { return active_; }

private:
    fs::path folder_;
    bool active_ = false;
    bool immutable_ = false;
};

} // namespace

class TestSave : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY(dir_.isValid()); }

    void inlineSaveInPlaceSurvivesSigkill()
    {
        const fs::path ref = root() / "inline-ref", work = root() / "inline";
        fs::create_directories(ref);
        fs::create_directories(work);
        writeModel(ref / "m.onnx");
        QVERIFY(fs::file_size(ref / "m.onnx") > 4'000'000);
        fs::copy_file(ref / "m.onnx", work / "m.onnx");
        fs::copy_file(ref / "m.onnx", work / "scratch.onnx");
        const double cycle = cycleSeconds(work / "scratch.onnx");
        fs::remove(work / "scratch.onnx");

        const auto a = FormatRegistry::instance().open(ref / "m.onnx");
        auto b = FormatRegistry::instance().open(ref / "m.onnx");
        flip(*b);
        QVERIFY(!compareModels(*a, *b).empty());
        const KillReport r = killWhileSaving(work / "m.onnx", *a, *b, kKills, cycle);
        qInfo("inline, %d kills over %.1f ms cycles: %d original, %d edited, %d left a temporary file", kKills,
            cycle * 1000, r.original, r.edited, r.newTemps);
        QVERIFY2(r.failure.empty(), r.failure.c_str());
        QCOMPARE(r.original + r.edited, kKills);
        QVERIFY2(r.original > 0 && r.edited > 0, "the kills did not catch both outcomes");

        // Temporary files of killed saves: once stale, the next save in the
        // folder removes them; fresh ones (a save under way) stay.
        const int leftovers = countTemps(work);
        for (const auto& name : namesIn(work))
            if (AtomicFile::isTempName(name))
                setOld(work / name);
        touch(work / ".other.onnx.nodus-tmp-Ab12Cd");
        setOld(work / ".other.onnx.nodus-tmp-Ab12Cd");
        touch(work / ".busy.onnx.nodus-tmp-Ef34Gh");
        touch(work / ".m.onnx.Xy12Zq"); // not our pattern: kept however old
        setOld(work / ".m.onnx.Xy12Zq");
        {
            const auto m = FormatRegistry::instance().open(work / "m.onnx");
            flip(*m);
            FormatRegistry::instance().save(*m, work / "m.onnx");
        }
        const std::vector<std::string> expected = { ".busy.onnx.nodus-tmp-Ef34Gh", ".m.onnx.Xy12Zq", "m.onnx" };
        QCOMPARE(namesIn(work), expected);
        qInfo("%d temporary files left by kills were removed once stale", leftovers);
    }

    void externalSaveInPlaceSurvivesSigkill()
    {
        const fs::path ref = root() / "ext-ref", work = root() / "ext", scratch = root() / "ext-scratch";
        for (const auto& d : { ref, work, scratch })
            fs::create_directories(d);
        writeExternalModel(ref / "m.onnx");
        QCOMPARE(externalLocation(ref / "m.onnx"), std::string("m.onnx.data"));
        QVERIFY(fs::file_size(ref / "m.onnx.data") >= std::uint64_t(kTensors) * kFloats * 4);
        for (const auto& d : { work, scratch }) {
            fs::copy_file(ref / "m.onnx", d / "m.onnx");
            fs::copy_file(ref / "m.onnx.data", d / "m.onnx.data");
        }
        const double cycle = cycleSeconds(scratch / "m.onnx");

        const auto a = FormatRegistry::instance().open(ref / "m.onnx");
        auto b = FormatRegistry::instance().open(ref / "m.onnx");
        flip(*b);
        const KillReport r = killWhileSaving(work / "m.onnx", *a, *b, kKills, cycle);
        qInfo("external data, %d kills over %.1f ms cycles: %d original, %d edited, %d left a temporary file, "
              "%d a data file the model does not name",
            kKills, cycle * 1000, r.original, r.edited, r.newTemps, r.newOrphans);
        QVERIFY2(r.failure.empty(), r.failure.c_str());
        QCOMPARE(r.original + r.edited, kKills);
        QVERIFY2(r.original > 0 && r.edited > 0, "the kills did not catch both outcomes");

        // The next save leaves one data file: the one its model names.
        {
            const auto m = FormatRegistry::instance().open(work / "m.onnx");
            flip(*m);
            FormatRegistry::instance().save(*m, work / "m.onnx");
        }
        const std::string location = externalLocation(work / "m.onnx");
        std::vector<std::string> data;
        for (const auto& name : namesIn(work))
            if (!AtomicFile::isTempName(name) && name != "m.onnx")
                data.push_back(name);
        QCOMPARE(data, std::vector<std::string> { location });
    }

    void externalSaveInPlaceWritesAFreshDataFile()
    {
        const fs::path ref = root() / "fresh-ref", work = root() / "fresh";
        fs::create_directories(ref);
        fs::create_directories(work);
        writeExternalModel(ref / "m.onnx");
        fs::copy_file(ref / "m.onnx", work / "m.onnx");
        fs::copy_file(ref / "m.onnx.data", work / "m.onnx.data");
        const Bytes oldData = readFile(work / "m.onnx.data");
        const auto a = FormatRegistry::instance().open(ref / "m.onnx");
        auto b = FormatRegistry::instance().open(ref / "m.onnx");
        flip(*b);

        // In place: the data goes to a new name, the old data file is never
        // written (a link to it keeps its bytes) and is removed at the end.
        fs::create_hard_link(work / "m.onnx.data", root() / "fresh-old.data");
        const auto m = FormatRegistry::instance().open(work / "m.onnx");
        flip(*m);
        FormatRegistry::instance().save(*m, work / "m.onnx");
        const std::string first = externalLocation(work / "m.onnx");
        QVERIFY2(first.starts_with("m.onnx.nodus-") && first.ends_with(".data") && first.size() == 24, first.c_str());
        QCOMPARE(namesIn(work), (std::vector<std::string> { "m.onnx", first }));
        QVERIFY(readFile(root() / "fresh-old.data") == oldData);
        {
            const auto back = FormatRegistry::instance().open(work / "m.onnx");
            QVERIFY2(compareModels(*back, *b).empty(), firstDiff(compareModels(*back, *b)).c_str());
        }

        // Saving the same open document again (its data file is gone from
        // the folder, still open here): the plain name is free again.
        flip(*m);
        FormatRegistry::instance().save(*m, work / "m.onnx");
        QCOMPARE(externalLocation(work / "m.onnx"), std::string("m.onnx.data"));
        QCOMPARE(namesIn(work), (std::vector<std::string> { "m.onnx", "m.onnx.data" }));
        const auto back = FormatRegistry::instance().open(work / "m.onnx");
        QVERIFY2(compareModels(*back, *a).empty(), firstDiff(compareModels(*back, *a)).c_str());
    }

    void saveAsKeepsDataTheSourceStillReads()
    {
        // a.onnx reads "b.onnx.data"; saving it as b.onnx must not remove
        // that file, which a.onnx still needs.
        const fs::path work = root() / "other";
        fs::create_directories(work);
        writeExternalModel(work / "b.onnx");
        fs::rename(work / "b.onnx", work / "a.onnx");
        const auto m = FormatRegistry::instance().open(work / "a.onnx");
        flip(*m);
        FormatRegistry::instance().save(*m, work / "b.onnx");
        const std::string location = externalLocation(work / "b.onnx");
        QVERIFY(location != "b.onnx.data");
        QCOMPARE(namesIn(work), (std::vector<std::string> { "a.onnx", "b.onnx", "b.onnx.data", location }));
        const auto a = FormatRegistry::instance().open(work / "a.onnx");
        const auto b = FormatRegistry::instance().open(work / "b.onnx");
        QVERIFY(bytesOf(*tensorNamed(*b, kBig)) == inverted(bytesOf(*tensorNamed(*a, kBig))));
    }

    void staleTemporaryFilesAreRemoved()
    {
        QVERIFY(AtomicFile::isTempName(".m.onnx.nodus-tmp-a1B2c3"));
        QVERIFY(!AtomicFile::isTempName("m.onnx.nodus-tmp-a1B2c3"));
        QVERIFY(!AtomicFile::isTempName(".m.onnx.nodus-tmp-a1B2c"));
        QVERIFY(!AtomicFile::isTempName(".m.onnx.nodus-tmp-a1B2c3.data"));
        QVERIFY(!AtomicFile::isTempName(".m.onnx.a1B2c3"));
        const fs::path work = root() / "stale";
        fs::create_directories(work);
        touch(work / ".a.nodus-tmp-aaaaaa");
        setOld(work / ".a.nodus-tmp-aaaaaa");
        touch(work / ".b.nodus-tmp-bbbbbb");
        const bool isRoot = ::geteuid() == 0;
        if (isRoot) { // another user's file is theirs to remove
            touch(work / ".c.nodus-tmp-cccccc");
            QCOMPARE(::chown((work / ".c.nodus-tmp-cccccc").c_str(), 12345, 12345), 0);
            setOld(work / ".c.nodus-tmp-cccccc");
        }
        QCOMPARE(AtomicFile::removeStaleTemps(work), 1);
        QVERIFY(!fs::exists(work / ".a.nodus-tmp-aaaaaa"));
        QVERIFY(fs::exists(work / ".b.nodus-tmp-bbbbbb"));
        QCOMPARE(fs::exists(work / ".c.nodus-tmp-cccccc"), isRoot);
        // A temporary file's name keeps within the 255-byte limit.
        const std::string longName = std::string(250, 'n') + ".onnx";
        {
            AtomicFile f(work / longName);
            QVERIFY(AtomicFile::isTempName(f.tempPath().filename().string()));
            QVERIFY(f.tempPath().filename().string().size() <= 255);
            QCOMPARE(::write(f.fd(), "ok", 2), ssize_t(2));
            f.commit();
        }
        QCOMPARE(fs::file_size(work / longName), std::uintmax_t(2));
    }

    void failedSaveLeavesTheOriginal_data()
    {
        QTest::addColumn<bool>("external");
        QTest::newRow("inline") << false;
        QTest::newRow("external data") << true;
    }

    void failedSaveLeavesTheOriginal()
    {
        QFETCH(bool, external);
        const fs::path work = root() / (external ? "full-ext" : "full");
        fs::create_directories(work);
        const fs::path path = work / "m.onnx";
        external ? writeExternalModel(path) : writeModel(path);
        const auto before = namesIn(work);
        std::vector<Bytes> bytes;
        for (const auto& name : before)
            bytes.push_back(readFile(work / name));

        const auto m = FormatRegistry::instance().open(path);
        flip(*m);
        std::string message;
        {
            const FileSizeLimit limit(1 << 20); // the weights alone are 4 MiB
            try {
                FormatRegistry::instance().save(*m, path);
            } catch (const Error& e) {
                message = e.what();
            }
        }
        QVERIFY2(!message.empty(), "a save past the file size limit succeeded");
        QVERIFY2(message.find(path.string()) != std::string::npos, message.c_str());
        QVERIFY2(message.find("too large") != std::string::npos, message.c_str());
        QCOMPARE(namesIn(work), before); // no temporary or new data file left
        for (std::size_t k = 0; k < before.size(); ++k)
            QVERIFY2(readFile(work / before[k]) == bytes[k], before[k].c_str());

        // A folder that takes no new files.
        message.clear();
        {
            const ReadOnlyFolder readOnly(work);
            if (!readOnly.active()) {
                qInfo("cannot make a read-only folder here (neither mode bits nor the immutable attribute): "
                      "only the file size limit was tried");
                return;
            }
            try {
                FormatRegistry::instance().save(*m, path);
            } catch (const Error& e) {
                message = e.what();
            }
        }
        QVERIFY2(!message.empty(), "a save into a read-only folder succeeded");
        QVERIFY2(message.find(path.string()) != std::string::npos, message.c_str());
        QVERIFY2(message.find("cannot create a temporary file") != std::string::npos, message.c_str());
        QCOMPARE(namesIn(work), before);
        for (std::size_t k = 0; k < before.size(); ++k)
            QVERIFY2(readFile(work / before[k]) == bytes[k], before[k].c_str());
    }

    void saveAsEachWritableFormat_data()
    {
        QTest::addColumn<QString>("file");
        QTest::newRow("onnx") << "pytorch-export/squeezenet1_1.onnx";
        QTest::newRow("onnx external data") << "pytorch-export/squeezenet1_1_external.onnx";
        // The corpus MindIR files hold no weights: one is given a parameter.
        QTest::newRow("mindir") << "mindir/add_no_encrpty.mindir" + QString(kWithWeight);
        QTest::newRow("mindspore-ckpt") << "mindspore-ckpt/SanBernardino_best_model.ckpt";
        QTest::newRow("cntk") << "cntk-v2/ConvNet_CIFAR10_DataAug_0.dnn";
        QTest::newRow("cntk with blocks") << "cntk-v2/ATIS_model.cmf";
    }

    void saveAsEachWritableFormat()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        QFETCH(QString, file);
        fs::path source = test::corpusDir() / file.toStdString();
        if (file.endsWith(kWithWeight)) {
            source = test::corpusDir() / file.chopped(int(std::strlen(kWithWeight))).toStdString();
            source = withMindirWeight(source, root() / source.filename());
        }
        const auto a = FormatRegistry::instance().open(source);
        const auto tensors = tensorsWithBytes(*a);
        QVERIFY2(!tensors.empty(), "the model has no tensor to edit");
        const auto edited = *std::max_element(tensors.begin(), tensors.end(),
            [](const auto& x, const auto& y) { return x->data->size() < y->data->size(); });
        const std::size_t index
            = static_cast<std::size_t>(std::find(tensors.begin(), tensors.end(), edited) - tensors.begin());
        const Bytes newBytes = inverted(bytesOf(*edited));
        edited->data = std::make_shared<OwnedTensorData>(newBytes);

        const fs::path folder = root() / ("saveas-" + a->format + "-" + std::to_string(index));
        fs::create_directories(folder);
        const fs::path target = folder / source.filename();
        FormatRegistry::instance().save(*a, target, a->format);
        const auto b = FormatRegistry::instance().open(target);
        QCOMPARE(b->format, a->format);
        QVERIFY2(compareModels(*a, *b).empty(), firstDiff(compareModels(*a, *b)).c_str());

        // Byte for byte: the edited tensor has the new bytes, every other
        // tensor the bytes of the untouched file.
        const auto original = FormatRegistry::instance().open(source);
        const auto before = tensorsWithBytes(*original), after = tensorsWithBytes(*b);
        QCOMPARE(after.size(), before.size());
        for (std::size_t k = 0; k < after.size(); ++k) {
            QCOMPARE(after[k]->name, before[k]->name);
            if (k == index)
                QVERIFY2(bytesOf(*after[k]) == newBytes, after[k]->name.c_str());
            else
                QVERIFY2(bytesOf(*after[k]) == bytesOf(*before[k]), after[k]->name.c_str());
        }
        QCOMPARE(countTemps(folder), 0);
    }

    void benchSaveCleansUp()
    {
        const fs::path work = root() / "bench";
        fs::create_directories(work);
        writeModel(work / "m.onnx");
        QProcess p;
        p.start(QString::fromStdString(text(test::binaryDir() / "app" / "nodus-cli")),
            { "bench", "save", QString::fromStdString(text(work / "m.onnx")), "--runs", "3" });
        QVERIFY(p.waitForFinished(120000));
        QCOMPARE(p.exitCode(), 0);
        const QJsonObject o = QJsonDocument::fromJson(p.readAllStandardOutput()).object();
        QCOMPARE(o.value("runs").toInt(), 3);
        QVERIFY(o.value("save_s").toDouble() > 0);
        QVERIFY(o.value("cp_s").toDouble() > 0);
        QCOMPARE(o.value("ratio").toDouble(), o.value("save_s").toDouble() / o.value("cp_s").toDouble());
        QVERIFY(o.value("peak_rss_mb").toDouble() > 0);
        QCOMPARE(namesIn(work), std::vector<std::string> { "m.onnx" });
    }

private:
    fs::path root() const { return dir_.path().toStdString(); }

    QTemporaryDir dir_;
};

QTEST_GUILESS_MAIN(TestSave)
#include "test_save.moc"
