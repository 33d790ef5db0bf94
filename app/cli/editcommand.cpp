#include "commands.h"

#include "edit/commands.h"
#include "formats/formatregistry.h"
#include "ir/model.h"
#include "util/npy.h"

#include <charconv>
#include <iostream>

namespace nodus::cli {

namespace {

std::pair<std::string, std::string> splitAt(const std::string& arg, char sep, bool last, const std::string& option)
{
    const auto at = last ? arg.rfind(sep) : arg.find(sep);
    if (at == std::string::npos || at == 0)
        throw std::invalid_argument(
            option + " expects " + (sep == '=' ? "NAME=VALUE" : "NODE.ATTR=VALUE") + ", got '" + arg + "'");
    return { arg.substr(0, at), arg.substr(at + 1) };
}

double number(const std::string& text, const std::string& option)
{
    double v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size())
        throw std::invalid_argument(option + ": '" + text + "' is not a number");
    return v;
}

std::vector<Dim> dims(const std::string& text)
{
    std::vector<Dim> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find(',', start);
        if (end == std::string::npos)
            end = text.size();
        const std::string item = text.substr(start, end - start);
        std::int64_t v = 0;
        auto [p, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
        if (item.empty())
            throw std::invalid_argument("--input-shape: an empty dimension in '" + text + "'");
        if (ec == std::errc() && p == item.data() + item.size())
            out.push_back(Dim::known(v));
        else if (item == "?")
            out.push_back(Dim {});
        else
            out.push_back(Dim::symbolic(item));
        start = end + 1;
    }
    return out;
}

// The tensor a --set-tensor FILE gives: a .npy, the member of that name in
// a .npz (or its only member), or the tensor of that name in another model.
std::shared_ptr<const Tensor> tensorFrom(const std::string& name, const std::string& file)
{
    const std::filesystem::path path = file;
    const std::string ext = path.extension().string();
    if (ext == ".npy")
        return readNpy(path);
    if (ext == ".npz") {
        auto members = readNpz(path);
        for (auto& [member, tensor] : members)
            if (member == name)
                return tensor;
        if (members.size() == 1)
            return members.front().second;
        throw Error(file + ": no member named '" + name + "' among its " + std::to_string(members.size()));
    }
    auto model = FormatRegistry::instance().open(path);
    for (const auto& t : model->graph->initializers)
        if (t->name == name)
            return t;
    throw Error(file + ": has no stored tensor named '" + name + "'");
}

} // namespace

int editCommand(const Args& args)
{
    std::string in, out;
    std::vector<EditCommandPtr> edits;
    try {
        for (std::size_t k = 0; k < args.size(); ++k) {
            const std::string& a = args[k];
            auto value = [&]() -> const std::string& {
                if (k + 1 >= args.size())
                    throw std::invalid_argument(a + " needs a value");
                return args[++k];
            };
            if (a == "-o" || a == "--output") {
                out = value();
            } else if (a == "--set-tensor") {
                auto [name, file] = splitAt(value(), '=', false, a);
                edits.push_back(replaceTensor(name, tensorFrom(name, file)));
            } else if (a == "--scale-tensor" || a == "--add-tensor" || a == "--fill-tensor") {
                auto [name, v] = splitAt(value(), '=', true, a);
                const TensorOp op = a == "--scale-tensor" ? TensorOp::Scale
                    : a == "--add-tensor"                 ? TensorOp::Add
                                                          : TensorOp::Fill;
                edits.push_back(tensorArithmetic(name, op, number(v, a)));
            } else if (a == "--zero-tensor") {
                edits.push_back(tensorArithmetic(value(), TensorOp::Fill, 0));
            } else if (a == "--cast-tensor") {
                auto [name, type] = splitAt(value(), '=', true, a);
                const auto t = dataTypeFromName(type);
                if (!t)
                    throw std::invalid_argument(a + ": '" + type + "' is not an element type (float16, int8, ...)");
                edits.push_back(castTensor(name, *t));
            } else if (a == "--rename") {
                auto [from, to] = splitAt(value(), '=', false, a);
                edits.push_back(renameValue(from, to));
            } else if (a == "--rename-node") {
                auto [from, to] = splitAt(value(), '=', false, a);
                edits.push_back(renameNode(from, to));
            } else if (a == "--set-attr") {
                auto [target, v] = splitAt(value(), '=', false, a);
                auto [node, attr] = splitAt(target, '.', true, a);
                edits.push_back(setAttribute(node, attr, v));
            } else if (a == "--remove-attr") {
                auto [node, attr] = splitAt(value(), '.', true, a);
                edits.push_back(removeAttribute(node, attr));
            } else if (a == "--input-shape") {
                auto [name, shape] = splitAt(value(), '=', true, a);
                edits.push_back(setInputShape(name, dims(shape)));
            } else if (a == "--delete-node") {
                edits.push_back(deleteNode(value(), DeleteMode::WithDanglingProducers));
            } else if (a == "--bypass-node") {
                edits.push_back(deleteNode(value(), DeleteMode::Bypass));
            } else if (a == "--producer") {
                ModelProperties p;
                p.producerName = value();
                edits.push_back(setModelProperties(std::move(p)));
            } else if (a == "--doc-string") {
                ModelProperties p;
                p.docString = value();
                edits.push_back(setModelProperties(std::move(p)));
            } else if (a.starts_with("-")) {
                return usageError("edit: unknown option " + a);
            } else if (in.empty()) {
                in = a;
            } else {
                return usageError("edit: more than one input file ('" + in + "', '" + a + "')");
            }
        }
    } catch (const std::invalid_argument& e) {
        return usageError(std::string("edit: ") + e.what());
    } catch (const std::exception& e) {
        std::cerr << "nodus-cli: " << e.what() << '\n';
        return 1;
    }
    if (in.empty() || out.empty())
        return usageError("edit: expected IN and -o OUT");
    if (edits.empty())
        return usageError("edit: no edit given");

    try {
        auto model = FormatRegistry::instance().open(in);
        for (auto& e : edits) {
            try {
                e->apply(*model);
            } catch (const Error& err) {
                std::cerr << "nodus-cli: " << in << ": " << e->text() << ": " << err.what() << '\n';
                return 1;
            }
            std::cerr << "edit: " << e->text() << '\n';
        }
        FormatRegistry::instance().save(*model, out);
    } catch (const std::exception& e) {
        std::cerr << "nodus-cli: " << e.what() << '\n';
        return 1;
    }
    return 0;
}

} // namespace nodus::cli
