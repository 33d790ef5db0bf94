#pragma once

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QString>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace nodus::test {

// ../shared/corpus beside the checkout, or empty when it is not there.
inline std::filesystem::path corpusDir()
{
    const std::filesystem::path dir = NODUS_CORPUS_DIR;
    std::error_code ec;
    return std::filesystem::is_directory(dir, ec) ? std::filesystem::canonical(dir) : std::filesystem::path();
}

inline std::filesystem::path sourceDir()
{
    return NODUS_SOURCE_DIR;
}

inline std::filesystem::path binaryDir()
{
    return NODUS_BINARY_DIR;
}

// Files of a corpus folder whose names end with one of `suffixes`, sorted.
inline std::vector<std::filesystem::path> corpusFiles(
    const std::string& folder, const std::vector<std::string>& suffixes)
{
    std::vector<std::filesystem::path> out;
    const auto dir = corpusDir() / folder;
    std::error_code ec;
    if (corpusDir().empty() || !std::filesystem::is_directory(dir, ec))
        return out;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        const std::string name = entry.path().filename().string();
        for (const auto& s : suffixes)
            if (name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
                out.push_back(entry.path());
                break;
            }
    }
    std::sort(out.begin(), out.end());
    return out;
}

// Every ONNX file of the corpus: backend tests, CNNs, the pre-release CNTK
// export, and the PyTorch exports.
inline std::vector<std::filesystem::path> onnxCorpusFiles()
{
    auto files = corpusFiles("onnx", { ".onnx", ".model" });
    for (auto& f : corpusFiles("pytorch-export", { ".onnx" }))
        files.push_back(f);
    return files;
}

// A file's bytes as a string (empty when it cannot be read), and writing
// one: the suites compare saved files byte for byte.
inline std::string readAll(const std::filesystem::path& p)
{
    std::ifstream in(p, std::ios::binary);
    return { std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>() };
}

inline void writeFile(const std::filesystem::path& p, const std::string& bytes)
{
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A whole file's bytes (empty when it cannot be read), for byte-identity checks.
inline QByteArray fileBytes(const std::filesystem::path& path)
{
    QFile f(QString::fromStdString(path.string()));
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// The built nodus-cli run with `args`: exit code (-1 when it crashed or hung
// past two minutes), standard output and standard error.
struct CliRun {
    int code = -1;
    QByteArray out;
    QString err;
};

inline CliRun runCli(const QStringList& args)
{
    QProcess p;
    p.start(QString::fromStdString((binaryDir() / "app" / "nodus-cli").string()), args);
    p.waitForFinished(120000);
    return { p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(),
        QString::fromUtf8(p.readAllStandardError()) };
}

} // namespace nodus::test

// Data-driven tests cannot have zero rows; this keeps a run without the
// corpus honest: it says it skipped.
#define NODUS_SKIP_IF_NO_CORPUS()                                                                                      \
    do {                                                                                                               \
        if (nodus::test::corpusDir().empty())                                                                          \
            QSKIP("../shared/corpus is not present: corpus tests skipped");                                            \
    } while (0)
