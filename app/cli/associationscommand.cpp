// `nodus-cli associations`: the desktop's file associations, generated from
// the format registry (the one table), so a new format is registered with
// Linux desktops, Windows and macOS by adding it there. installer/ holds the
// generated copies; tests/test_associations.cpp fails when they are stale and
// tools/gen-associations rewrites them.

#include "commands.h"

#include "formats/formatregistry.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

namespace nodus::cli {

namespace {

// shared-mime-info's scale: a match at this priority or above is taken
// before any glob (GIO, File::MimeInfo), so a format that has such magic
// needs no glob precedence to be recognised.
constexpr int kCertainMagic = 80;
constexpr int kDefaultGlobWeight = 50;

// Uniform Type Identifiers are reverse-DNS names; the bundle is org.nodus.Nodus.
constexpr const char* kUtiPrefix = "org.nodus.";

bool hasCertainMagic(const Format& f)
{
    const auto magic = f.magic();
    return std::any_of(magic.begin(), magic.end(), [](const MimeMagic& m) { return m.priority >= kCertainMagic; });
}

std::size_t indexOf(const std::vector<std::string>& list, const std::string& item)
{
    return static_cast<std::size_t>(std::find(list.begin(), list.end(), item) - list.begin());
}

// Who gets a file name several formats claim (.model: CNTK v2, ONNX, CNTK v1).
// Nodus itself decides by content, but a desktop decides by name first and
// by magic only among the names' candidates (GIO), or only at priority 80
// and above (File::MimeInfo, used by xdg-mime without a desktop session). So
// the formats without certain magic come first, since only the name can
// speak for them; among those, the one that lists the extension earlier (its
// own primary extension) before one that merely accepts it; then the
// registry's order. A format with certain magic ranks last and still gets
// its files by that magic.
class Ranking {
public:
    Ranking()
    {
        const auto formats = FormatRegistry::instance().formats();
        for (std::size_t i = 0; i < formats.size(); ++i)
            for (const auto& ext : formats[i]->extensions())
                claimants_[ext].push_back(formats[i]);
        for (auto& [ext, list] : claimants_) {
            auto key = [&, ext = ext](const Format* f) {
                const auto order = std::find(formats.begin(), formats.end(), f) - formats.begin();
                return std::tuple(hasCertainMagic(*f), indexOf(f->extensions(), ext), order);
            };
            std::stable_sort(
                list.begin(), list.end(), [&](const Format* a, const Format* b) { return key(a) < key(b); });
        }
    }

    // The glob's weight: the default for an extension only one format
    // claims, else 60, 50, 40, ... in rank order.
    int weight(const Format& f, const std::string& ext) const
    {
        const auto& list = claimants_.at(ext);
        if (list.size() == 1)
            return f.globWeight();
        const auto rank = static_cast<int>(std::find(list.begin(), list.end(), &f) - list.begin());
        return std::max(10, 60 - 10 * rank);
    }

    // Windows and macOS map an extension to one type: the first in rank.
    std::vector<std::string> extensionsWon(const Format& f) const
    {
        std::vector<std::string> won;
        for (const auto& ext : f.extensions())
            if (claimants_.at(ext).front() == &f)
                won.push_back(ext);
        return won;
    }

private:
    std::map<std::string, std::vector<const Format*>> claimants_;
};

std::string xmlEscape(std::string_view text)
{
    std::string out;
    for (const char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

// A <match type="string"> value: printable ASCII as is, everything else as a
// three-digit octal escape, which every shared-mime-info version reads (and
// which cannot run into a following digit).
std::string magicValue(const std::string& bytes)
{
    std::string out;
    for (const char ch : bytes) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '\\') {
            out += "\\\\";
        } else if (c >= 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
        } else {
            char buffer[8];
            std::snprintf(buffer, sizeof buffer, "\\%03o", c);
            out += buffer;
        }
    }
    return xmlEscape(out);
}

std::string withoutDot(const std::string& ext)
{
    return ext.empty() || ext[0] != '.' ? ext : ext.substr(1);
}

// "cntk-v1" -> "cntk_v1": a WiX identifier takes letters, digits, _ and .
std::string identifier(std::string_view name)
{
    std::string out;
    for (const char c : name)
        out += std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' ? c : '_';
    return out;
}

// No "--" in it: XML comments cannot hold one.
constexpr const char* kGeneratedNote
    = "Generated from Nodus's format registry by nodus-cli associations (tools/gen-associations); do not edit.";

void mimeXml(std::ostream& out)
{
    const Ranking ranking;
    out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        << "<!-- " << kGeneratedNote << " -->\n"
        << "<mime-info xmlns=\"http://www.freedesktop.org/standards/shared-mime-info\">\n";
    for (const Format* f : FormatRegistry::instance().formats()) {
        out << "  <mime-type type=\"" << xmlEscape(f->mimeType()) << "\">\n"
            << "    <comment>" << xmlEscape(f->displayName()) << "</comment>\n"
            << "    <sub-class-of type=\"application/octet-stream\"/>\n"
            << "    <generic-icon name=\"nodus-document\"/>\n";
        for (const auto& ext : f->extensions()) {
            out << "    <glob pattern=\"*" << xmlEscape(ext) << "\"";
            if (const int w = ranking.weight(*f, ext); w != kDefaultGlobWeight)
                out << " weight=\"" << w << "\"";
            out << "/>\n";
        }
        // One <magic> per priority; its matches are alternatives.
        std::map<int, std::vector<MimeMagic>, std::greater<>> byPriority;
        for (const auto& m : f->magic())
            byPriority[m.priority].push_back(m);
        for (const auto& [priority, matches] : byPriority) {
            out << "    <magic priority=\"" << priority << "\">\n";
            for (const auto& m : matches)
                out << "      <match type=\"string\" offset=\"" << m.offset << "\" value=\"" << magicValue(m.bytes)
                    << "\"/>\n";
            out << "    </magic>\n";
        }
        out << "  </mime-type>\n";
    }
    out << "</mime-info>\n";
}

void desktopEntry(std::ostream& out)
{
    out << "# " << kGeneratedNote << "\n"
        << "[Desktop Entry]\n"
        << "Type=Application\n"
        << "Name=Nodus\n"
        << "GenericName=Model Inspector\n"
        << "Comment=Inspect, edit and run machine-learning model files\n"
        << "Exec=nodus %F\n"
        << "Icon=nodus\n"
        << "Terminal=false\n"
        << "Categories=Science;Development;\n"
        << "MimeType=";
    for (const Format* f : FormatRegistry::instance().formats())
        out << f->mimeType() << ';';
    out << "\n";
}

void wixFragment(std::ostream& out)
{
    const Ranking ranking;
    out << "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        << "<!-- " << kGeneratedNote << "\n"
        << "     WiX v4. The installer's Package includes this file and references\n"
        << "     <ComponentGroupRef Id=\"NodusFileAssociations\"/>; it expects the directory\n"
        << "     INSTALLFOLDER and nodus.exe's File Id NodusExe. An extension several formats\n"
        << "     claim is registered once, for the format desktops rank first (Nodus reads\n"
        << "     the file by its content either way). -->\n"
        << "<Wix xmlns=\"http://wixtoolset.org/schemas/v4/wxs\">\n"
        << "  <Fragment>\n"
        << "    <ComponentGroup Id=\"NodusFileAssociations\" Directory=\"INSTALLFOLDER\">\n"
        << "      <Component Id=\"NodusCapabilities\">\n"
        << "        <RegistryValue Root=\"HKLM\" Key=\"Software\\RegisteredApplications\" Name=\"Nodus\" "
           "Value=\"Software\\Nodus\\Capabilities\" Type=\"string\" KeyPath=\"yes\"/>\n"
        << "        <RegistryValue Root=\"HKLM\" Key=\"Software\\Nodus\\Capabilities\" Name=\"ApplicationName\" "
           "Value=\"Nodus\" Type=\"string\"/>\n"
        << "        <RegistryValue Root=\"HKLM\" Key=\"Software\\Nodus\\Capabilities\" "
           "Name=\"ApplicationDescription\" Value=\"Inspect, edit and run machine-learning model files\" "
           "Type=\"string\"/>\n"
        << "      </Component>\n";
    for (const Format* f : FormatRegistry::instance().formats()) {
        const auto extensions = ranking.extensionsWon(*f);
        if (extensions.empty())
            continue;
        const std::string id = identifier(f->name());
        const std::string progId = "Nodus." + id;
        out << "      <Component Id=\"Association_" << id << "\">\n";
        bool keyPath = true;
        for (const auto& ext : extensions) {
            out << "        <RegistryValue Root=\"HKLM\" Key=\"Software\\Nodus\\Capabilities\\FileAssociations\" "
                << "Name=\"" << xmlEscape(ext) << "\" Value=\"" << progId << "\" Type=\"string\""
                << (keyPath ? " KeyPath=\"yes\"" : "") << "/>\n";
            keyPath = false;
        }
        out << "        <ProgId Id=\"" << progId << "\" Description=\"" << xmlEscape(f->displayName())
            << "\" Icon=\"NodusExe\" IconIndex=\"0\">\n";
        for (const auto& ext : extensions) {
            out << "          <Extension Id=\"" << xmlEscape(withoutDot(ext)) << "\" ContentType=\""
                << xmlEscape(f->mimeType()) << "\">\n"
                << "            <Verb Id=\"open\" TargetFile=\"NodusExe\" Argument=\"&quot;%1&quot;\"/>\n"
                << "          </Extension>\n";
        }
        out << "        </ProgId>\n"
            << "      </Component>\n";
    }
    out << "    </ComponentGroup>\n"
        << "  </Fragment>\n"
        << "</Wix>\n";
}

void plist(std::ostream& out)
{
    const Ranking ranking;
    std::ostringstream documents, types;
    for (const Format* f : FormatRegistry::instance().formats()) {
        const auto extensions = ranking.extensionsWon(*f);
        if (extensions.empty())
            continue;
        const std::string uti = kUtiPrefix + std::string(f->name());
        documents << "\t\t<dict>\n"
                  << "\t\t\t<key>CFBundleTypeName</key>\n"
                  << "\t\t\t<string>" << xmlEscape(f->displayName()) << "</string>\n"
                  << "\t\t\t<key>CFBundleTypeRole</key>\n"
                  << "\t\t\t<string>" << (f->can(Format::Write) ? "Editor" : "Viewer") << "</string>\n"
                  << "\t\t\t<key>LSHandlerRank</key>\n"
                  << "\t\t\t<string>Default</string>\n"
                  << "\t\t\t<key>LSItemContentTypes</key>\n"
                  << "\t\t\t<array>\n"
                  << "\t\t\t\t<string>" << xmlEscape(uti) << "</string>\n"
                  << "\t\t\t</array>\n"
                  << "\t\t</dict>\n";
        types << "\t\t<dict>\n"
              << "\t\t\t<key>UTTypeIdentifier</key>\n"
              << "\t\t\t<string>" << xmlEscape(uti) << "</string>\n"
              << "\t\t\t<key>UTTypeDescription</key>\n"
              << "\t\t\t<string>" << xmlEscape(f->displayName()) << "</string>\n"
              << "\t\t\t<key>UTTypeConformsTo</key>\n"
              << "\t\t\t<array>\n"
              << "\t\t\t\t<string>public.data</string>\n"
              << "\t\t\t</array>\n"
              << "\t\t\t<key>UTTypeTagSpecification</key>\n"
              << "\t\t\t<dict>\n"
              << "\t\t\t\t<key>public.filename-extension</key>\n"
              << "\t\t\t\t<array>\n";
        for (const auto& ext : extensions)
            types << "\t\t\t\t\t<string>" << xmlEscape(withoutDot(ext)) << "</string>\n";
        types << "\t\t\t\t</array>\n"
              << "\t\t\t\t<key>public.mime-type</key>\n"
              << "\t\t\t\t<string>" << xmlEscape(f->mimeType()) << "</string>\n"
              << "\t\t\t</dict>\n"
              << "\t\t</dict>\n";
    }
    out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        << "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
           "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
        << "<!-- " << kGeneratedNote << "\n"
        << "     Merged into the bundle's Info.plist: PlistBuddy -c \"Merge DocumentTypes.plist\" Info.plist -->\n"
        << "<plist version=\"1.0\">\n"
        << "<dict>\n"
        << "\t<key>CFBundleDocumentTypes</key>\n"
        << "\t<array>\n"
        << documents.str() << "\t</array>\n"
        << "\t<key>UTExportedTypeDeclarations</key>\n"
        << "\t<array>\n"
        << types.str() << "\t</array>\n"
        << "</dict>\n"
        << "</plist>\n";
}

} // namespace

int associationsCommand(const Args& args)
{
    if (args.size() != 1)
        return usageError("associations takes one of --mime-xml, --desktop, --wix, --plist");
    const std::string& what = args[0];
    if (what == "--mime-xml")
        mimeXml(std::cout);
    else if (what == "--desktop")
        desktopEntry(std::cout);
    else if (what == "--wix")
        wixFragment(std::cout);
    else if (what == "--plist")
        plist(std::cout);
    else
        return usageError("associations: unknown option '" + what + "' (--mime-xml, --desktop, --wix or --plist)");
    std::cout.flush();
    if (!std::cout) {
        std::cerr << "nodus-cli: associations: cannot write the output\n";
        return 1;
    }
    return 0;
}

} // namespace nodus::cli
