#pragma once

// What the format suites do with each truncated or bit-flipped copy of a
// file: the format must refuse it with a nodus::Error that names it, or open
// it, survive inspection (every tensor's bytes as its type and shape say)
// and save it.
#include "formats/format.h"
#include "formats/formatregistry.h"
#include "ir/model.h"
#include "ir/modelsummary.h"
#include "util/error.h"
#include "util/mappedfile.h"

#include <QtTest>

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace nodus::test {

struct DamageCounts {
    int opened = 0;
    int refused = 0;
};

// `saveTo`: where what opened is saved; `sameSize`: the format writes in
// place, so the save must be as long as the copy.
inline void tryDamagedCopy(const Format& format, const std::vector<std::byte>& bytes, const std::string& label,
    bool mustFail, const std::filesystem::path& saveTo, bool sameSize, DamageCounts& counts)
{
    try {
        auto file = MappedFile::fromBytes(bytes, label);
        auto model = format.read(FormatRegistry::probe(file));
        ++counts.opened;
        if (mustFail)
            QFAIL(qPrintable(QString::fromStdString(label) + " opened although it is damaged"));
        (void)ModelSummary::of(*model);
        for (const auto& t : model->graph->initializers)
            if (t->data)
                QCOMPARE(t->data->bytes().size(), t->expectedBytes().value_or(0));
        FormatRegistry::instance().save(*model, saveTo, format.name());
        if (sameSize)
            QCOMPARE(std::filesystem::file_size(saveTo), std::uintmax_t(bytes.size()));
    } catch (const Error& e) {
        ++counts.refused;
        if (!QString(e.what()).contains(QString::fromStdString(label)))
            QFAIL(qPrintable("error does not name the file: " + QString(e.what())));
    }
}

} // namespace nodus::test
