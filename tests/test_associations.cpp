// Desktop file associations (installer/): the committed copies must be what
// the format registry generates now, must describe every format, their magic
// must match only files of their own format across the whole corpus, and a
// real shared-mime-info database built from them must give corpus files
// their format's type (GIO, as file managers ask, and File::MimeInfo, as
// xdg-mime asks without a desktop session).

#include "testsupport.h"

#include "formats/formatregistry.h"

#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QXmlStreamReader>

#include <map>
#include <set>

using namespace nodus;
namespace fs = std::filesystem;

namespace {

struct Magic {
    quint64 offset = 0;
    QByteArray bytes;
    int priority = 50;
};

struct MimeType {
    QString comment;
    std::map<QString, int> globs; // "*.onnx" -> weight
    std::vector<Magic> magic;
    QStringList icons;
};

// shared-mime-info's string escapes as the generator writes them (\\ and
// three-digit octal), the rest verbatim.
QByteArray unescape(const QString& value)
{
    const QByteArray in = value.toLatin1();
    QByteArray out;
    for (qsizetype i = 0; i < in.size(); ++i) {
        if (in[i] != '\\') {
            out += in[i];
        } else if (i + 1 < in.size() && in[i + 1] == '\\') {
            out += '\\';
            ++i;
        } else if (i + 3 < in.size()) {
            out += static_cast<char>(in.mid(i + 1, 3).toInt(nullptr, 8));
            i += 3;
        }
    }
    return out;
}

std::map<QString, MimeType> parseMimeXml(const QByteArray& xml, QString* error)
{
    std::map<QString, MimeType> types;
    QXmlStreamReader r(xml);
    QString current;
    int magicPriority = 50;
    while (!r.atEnd()) {
        r.readNext();
        if (!r.isStartElement())
            continue;
        const auto a = r.attributes();
        if (r.name() == u"mime-type") {
            current = a.value("type").toString();
            types[current];
        } else if (r.name() == u"comment") {
            types[current].comment = r.readElementText();
        } else if (r.name() == u"glob") {
            types[current].globs[a.value("pattern").toString()]
                = a.hasAttribute("weight") ? a.value("weight").toInt() : 50;
        } else if (r.name() == u"magic") {
            magicPriority = a.hasAttribute("priority") ? a.value("priority").toInt() : 50;
        } else if (r.name() == u"match") {
            types[current].magic.push_back(
                { a.value("offset").toULongLong(), unescape(a.value("value").toString()), magicPriority });
        } else if (r.name() == u"generic-icon" || r.name() == u"icon") {
            types[current].icons << a.value("name").toString();
        }
    }
    if (r.hasError())
        *error = r.errorString();
    return types;
}

bool matches(const Magic& m, const QByteArray& head)
{
    return head.size() >= qsizetype(m.offset + m.bytes.size()) && head.mid(m.offset, m.bytes.size()) == m.bytes;
}

QByteArray readHead(const fs::path& path)
{
    QFile f(QString::fromStdString(path.string()));
    return f.open(QIODevice::ReadOnly) ? f.read(4096) : QByteArray();
}

QString mimeXmlPath()
{
    return QString::fromStdString((test::sourceDir() / "installer/linux/nodus.xml").string());
}

// Corpus files the registry reads, with the format it detects.
std::vector<std::pair<fs::path, const Format*>> detectedCorpusFiles()
{
    std::vector<std::pair<fs::path, const Format*>> out;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(test::corpusDir(), ec); it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        if (ec || !it->is_regular_file(ec) || it->file_size(ec) == 0)
            continue;
        try {
            const auto d = FormatRegistry::instance().detect(FormatRegistry::probe(it->path()));
            out.emplace_back(it->path(), d.format);
        } catch (const std::exception&) {
            out.emplace_back(it->path(), nullptr);
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace

class TestAssociations : public QObject {
    Q_OBJECT

private slots:
    void committedCopiesAreCurrent_data();
    void committedCopiesAreCurrent();
    void mimeXmlDescribesEveryFormat();
    void desktopEntryListsEveryType();
    void sharedExtensionsHaveOneWinner();
    void magicMatchesOnlyItsFormat();
    void desktopDatabaseResolvesCorpus();
    void badUsageIsRefused();
};

void TestAssociations::committedCopiesAreCurrent_data()
{
    QTest::addColumn<QString>("option");
    QTest::addColumn<QString>("file");
    QTest::newRow("mime-xml") << "--mime-xml"
                              << "installer/linux/nodus.xml";
    QTest::newRow("desktop") << "--desktop"
                             << "installer/linux/nodus.desktop";
    QTest::newRow("wix") << "--wix"
                         << "installer/windows/associations.wxs";
    QTest::newRow("plist") << "--plist"
                           << "installer/macos/DocumentTypes.plist";
}

void TestAssociations::committedCopiesAreCurrent()
{
    QFETCH(QString, option);
    QFETCH(QString, file);
    QProcess p;
    p.start(QString::fromStdString((test::binaryDir() / "app/nodus-cli").string()), { "associations", option });
    QVERIFY2(p.waitForFinished(30000), "nodus-cli associations did not finish");
    QCOMPARE(p.exitCode(), 0);
    const QByteArray generated = p.readAllStandardOutput();
    const QByteArray committed = test::fileBytes(test::sourceDir() / file.toStdString());
    QVERIFY2(!committed.isEmpty(), qPrintable(file + " is missing: run tools/gen-associations"));
    if (generated != committed) {
        const auto g = generated.split('\n'), c = committed.split('\n');
        qsizetype line = 0;
        while (line < g.size() && line < c.size() && g[line] == c[line])
            ++line;
        QFAIL(qPrintable(QString("%1 differs from what the format registry generates now (line %2: committed "
                                 "'%3', generated '%4'): run tools/gen-associations")
                             .arg(file)
                             .arg(line + 1)
                             .arg(QString::fromUtf8(line < c.size() ? c[line] : "<end>"))
                             .arg(QString::fromUtf8(line < g.size() ? g[line] : "<end>"))));
    }
}

void TestAssociations::mimeXmlDescribesEveryFormat()
{
    QString error;
    const auto types = parseMimeXml(test::fileBytes(mimeXmlPath().toStdString()), &error);
    QVERIFY2(error.isEmpty(), qPrintable("nodus.xml is not well-formed: " + error));
    const auto formats = FormatRegistry::instance().formats();
    QCOMPARE(types.size(), formats.size());
    for (const Format* f : formats) {
        const QString mime = QString::fromUtf8(f->mimeType().data(), f->mimeType().size());
        QVERIFY2(mime.startsWith("application/x-"), qPrintable(mime));
        QVERIFY2(types.count(mime), qPrintable("no <mime-type> for " + mime));
        const MimeType& t = types.at(mime);
        QCOMPARE(t.comment, QString::fromUtf8(f->displayName().data(), f->displayName().size()));
        std::set<QString> expected;
        for (const auto& e : f->extensions())
            expected.insert("*" + QString::fromStdString(e));
        std::set<QString> globs;
        for (const auto& [pattern, weight] : t.globs)
            globs.insert(pattern);
        QVERIFY2(globs == expected, qPrintable("globs of " + mime));
        const auto magic = f->magic();
        QCOMPARE(t.magic.size(), magic.size());
        for (std::size_t i = 0; i < magic.size(); ++i) {
            // Written grouped by priority; find the registry's entry in the XML.
            const bool found = std::any_of(t.magic.begin(), t.magic.end(), [&](const Magic& x) {
                return x.offset == magic[i].offset && x.priority == magic[i].priority
                    && x.bytes == QByteArray::fromStdString(magic[i].bytes);
            });
            QVERIFY2(found, qPrintable(QString("magic %1 of %2 lost in the XML").arg(i).arg(mime)));
            QVERIFY(!magic[i].bytes.empty());
        }
        QVERIFY(t.icons.contains("nodus-document"));
    }
    // The icon every type names is installed from the tree.
    QVERIFY(QFile::exists(QString::fromStdString((test::sourceDir() / "resources/icons/nodus-document.svg").string())));
}

void TestAssociations::desktopEntryListsEveryType()
{
    const QString entry = QString::fromUtf8(test::fileBytes(test::sourceDir() / "installer/linux/nodus.desktop"));
    for (const char* key : { "Type=Application\n", "Name=Nodus\n", "Exec=nodus %F\n", "Icon=nodus\n",
             "Terminal=false\n", "Categories=Science;Development;\n" })
        QVERIFY2(entry.contains(key), key);
    const auto line = QRegularExpression("^MimeType=(.*)$", QRegularExpression::MultilineOption).match(entry);
    QVERIFY(line.hasMatch());
    const QStringList listed = line.captured(1).split(';', Qt::SkipEmptyParts);
    QCOMPARE(listed.size(), qsizetype(FormatRegistry::instance().formats().size()));
    for (const Format* f : FormatRegistry::instance().formats())
        QVERIFY(listed.contains(QString::fromUtf8(f->mimeType().data(), f->mimeType().size())));
}

void TestAssociations::sharedExtensionsHaveOneWinner()
{
    // A desktop settles equal glob weights arbitrarily: every extension two
    // formats share must have one heaviest glob, and it must belong to a
    // format without certain magic where there is one (that format's files
    // have nothing but the name to go by).
    QString error;
    const auto types = parseMimeXml(test::fileBytes(mimeXmlPath().toStdString()), &error);
    std::map<QString, std::vector<std::pair<int, QString>>> byGlob;
    for (const auto& [mime, t] : types)
        for (const auto& [pattern, weight] : t.globs)
            byGlob[pattern].emplace_back(weight, mime);
    int shared = 0;
    for (auto& [pattern, list] : byGlob) {
        if (list.size() < 2)
            continue;
        ++shared;
        std::sort(list.rbegin(), list.rend());
        QVERIFY2(list[0].first > list[1].first, qPrintable(pattern + ": two types with the top weight"));
        auto certain = [&](const QString& mime) {
            const auto& m = types.at(mime).magic;
            return std::any_of(m.begin(), m.end(), [](const Magic& x) { return x.priority >= 80; });
        };
        const bool anyUncertain
            = std::any_of(list.begin(), list.end(), [&](const auto& e) { return !certain(e.second); });
        if (anyUncertain)
            QVERIFY2(!certain(list[0].second), qPrintable(pattern + " goes to a type its magic would claim anyway"));
    }
    QVERIFY2(shared > 0, "the registry has shared extensions (.model, .dnn, .cmf): none found in the XML");
}

void TestAssociations::magicMatchesOnlyItsFormat()
{
    NODUS_SKIP_IF_NO_CORPUS();
    QString error;
    const auto types = parseMimeXml(test::fileBytes(mimeXmlPath().toStdString()), &error);
    std::map<QString, int> hits, ownFiles;
    int files = 0;
    for (const auto& [path, format] : detectedCorpusFiles()) {
        ++files;
        const QByteArray head = readHead(path);
        const QString detected
            = format ? QString::fromUtf8(format->mimeType().data(), format->mimeType().size()) : QString();
        if (format)
            ++ownFiles[detected];
        for (const auto& [mime, t] : types) {
            for (const Magic& m : t.magic) {
                if (matches(m, head)) {
                    // Every corpus folder (Caffe, GGUF, TensorFlow, Core ML,
                    // ...) is a chance for a false match.
                    QVERIFY2(mime == detected,
                        qPrintable(QString("%1 magic matches %2, which Nodus reads as %3")
                                       .arg(mime, QString::fromStdString(path.string()),
                                           detected.isEmpty() ? "nothing" : detected)));
                    ++hits[mime];
                }
            }
            // Certain magic claims before any name: it must match every file
            // that no glob of its type names (MindSpore Lite files older than
            // the "MSL2" identifier have only their name to go by).
            const bool certain
                = std::any_of(t.magic.begin(), t.magic.end(), [](const Magic& x) { return x.priority >= 80; });
            std::string ext = path.extension().string();
            std::transform(
                ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
            const bool named = t.globs.count("*" + QString::fromStdString(ext)) > 0;
            if (certain && mime == detected && !named) {
                const bool any = std::any_of(t.magic.begin(), t.magic.end(),
                    [&](const Magic& x) { return x.priority >= 80 && matches(x, head); });
                QVERIFY2(any, qPrintable(QString::fromStdString(path.string()) + " lacks its format's magic"));
            }
        }
    }
    for (const auto& [mime, n] : hits)
        qInfo("%s: magic matched %d of %d files read as it", qPrintable(mime), n, ownFiles[mime]);
    qInfo("%d corpus files checked", files);
    QVERIFY(files > 100);
}

void TestAssociations::desktopDatabaseResolvesCorpus()
{
    NODUS_SKIP_IF_NO_CORPUS();
    const QString updater = QStandardPaths::findExecutable("update-mime-database");
    const QString gio = QStandardPaths::findExecutable("gio");
    const QString mimetype = QStandardPaths::findExecutable("mimetype");
    if (updater.isEmpty() || (gio.isEmpty() && mimetype.isEmpty()))
        QSKIP("shared-mime-info with gio (libglib2.0-bin) or mimetype (libfile-mimeinfo-perl) is not installed");

    QTemporaryDir home;
    QVERIFY(home.isValid());
    const QString mimeDir = home.filePath("share/mime");
    QVERIFY(QDir().mkpath(mimeDir + "/packages"));
    QVERIFY(QFile::copy(mimeXmlPath(), mimeDir + "/packages/nodus.xml"));
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("XDG_DATA_HOME", home.filePath("share"));
    env.insert("XDG_DATA_DIRS", "/usr/local/share:/usr/share");
    env.remove("XDG_CURRENT_DESKTOP");
    QProcess update;
    update.setProcessEnvironment(env);
    update.start(updater, { mimeDir });
    QVERIFY(update.waitForFinished(60000));
    QVERIFY2(update.exitCode() == 0, update.readAllStandardError().constData());

    QString error;
    const auto types = parseMimeXml(test::fileBytes(mimeXmlPath().toStdString()), &error);
    // The answer for each corpus file Nodus reads that a desktop can place:
    // its format's type where the name or certain magic decides, one of
    // Nodus's types where a format above it takes the extension (an ONNX
    // file named .model reads as a CNTK v2 model; Nodus opens it by its
    // content all the same).
    QStringList paths;
    std::vector<std::pair<QString, bool>> expected; // type, strict
    // Files only a glob's weight decides for us against a system type of the
    // same extension (an old MindSpore Lite *.ms against troff's): gio honours
    // weights; File::MimeInfo's `mimetype` does not, so it is not asked.
    std::vector<bool> byWeight;
    for (const auto& [path, format] : detectedCorpusFiles()) {
        if (!format)
            continue;
        const QString mime = QString::fromUtf8(format->mimeType().data(), format->mimeType().size());
        const MimeType& t = types.at(mime);
        const QByteArray head = readHead(path);
        std::string ext = path.extension().string();
        std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
        const QString glob = "*" + QString::fromStdString(ext);
        const bool named = t.globs.count(glob) > 0;
        const bool certain = std::any_of(
            t.magic.begin(), t.magic.end(), [&](const Magic& m) { return m.priority >= 80 && matches(m, head); });
        const bool anyMagic
            = std::any_of(t.magic.begin(), t.magic.end(), [&](const Magic& m) { return matches(m, head); });
        if (!named && !anyMagic)
            continue; // e.g. CNTK's *.dictionary.proto.bin: nothing to go by
        int top = 0;
        for (const auto& [other, ot] : types)
            if (ot.globs.count(glob))
                top = std::max(top, ot.globs.at(glob));
        const bool strict = certain || !named || t.globs.at(glob) == top;
        paths << QString::fromStdString(path.string());
        expected.emplace_back(mime, strict);
        byWeight.push_back(named && !certain && t.globs.at(glob) > 50);
    }
    QVERIFY(paths.size() > 50);

    auto check = [&](const QString& tool, const QStringList& answers) {
        QCOMPARE(answers.size(), paths.size());
        int strict = 0, lenient = 0;
        for (qsizetype i = 0; i < paths.size(); ++i) {
            const auto& [mime, isStrict] = expected[i];
            if (tool == "mimetype" && byWeight[i])
                continue;
            if (isStrict) {
                QVERIFY2(answers[i] == mime,
                    qPrintable(QString("%1 says %2 is %3, not %4").arg(tool, paths[i], answers[i], mime)));
                ++strict;
            } else {
                QVERIFY2(types.count(answers[i]),
                    qPrintable(QString("%1 says %2 is %3, not one of Nodus's types").arg(tool, paths[i], answers[i])));
                ++lenient;
            }
        }
        qInfo("%s: %d files given their format's type, %d a shared extension's Nodus type", qPrintable(tool), strict,
            lenient);
    };

    if (!gio.isEmpty()) {
        QProcess p;
        p.setProcessEnvironment(env);
        p.start(gio, QStringList { "info", "-a", "standard::content-type" } + paths);
        QVERIFY(p.waitForFinished(120000));
        QStringList answers;
        for (const QByteArray& line : p.readAllStandardOutput().split('\n'))
            if (line.trimmed().startsWith("standard::content-type:"))
                answers << QString::fromUtf8(line.trimmed().mid(strlen("standard::content-type:")).trimmed());
        check("gio", answers);
    }
    if (!mimetype.isEmpty()) {
        QProcess p;
        p.setProcessEnvironment(env);
        p.start(mimetype, QStringList { "--brief" } + paths);
        QVERIFY(p.waitForFinished(120000));
        QStringList answers;
        for (const QByteArray& line : p.readAllStandardOutput().split('\n'))
            if (!line.isEmpty())
                answers << QString::fromUtf8(line);
        check("mimetype", answers);
    }
}

void TestAssociations::badUsageIsRefused()
{
    const QString cli = QString::fromStdString((test::binaryDir() / "app/nodus-cli").string());
    for (const QStringList& args : { QStringList { "associations" }, QStringList { "associations", "--rtf" },
             QStringList { "associations", "--wix", "--plist" } }) {
        QProcess p;
        p.start(cli, args);
        QVERIFY(p.waitForFinished(30000));
        QCOMPARE(p.exitCode(), 2);
        QVERIFY(p.readAllStandardOutput().isEmpty());
        QVERIFY(p.readAllStandardError().contains("associations"));
    }
}

QTEST_GUILESS_MAIN(TestAssociations)
#include "test_associations.moc"
