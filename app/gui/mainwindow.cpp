#include "mainwindow.h"

#include "editundocommand.h"
#include "loadweightscommand.h"
#include "modelloader.h"
#include "recentfiles.h"
#include "weightsreportdialog.h"

#include "convertpanel.h"
#include "dropoverlay.h"
#include "findpanel.h"
#include "graphcanvas.h"
#include "graphview.h"
#include "modeloutline.h"
#include "modelpropertiespanel.h"
#include "nodepropertiespanel.h"
#include "runpanel.h"
#include "sceneexporter.h"
#include "tensorview.h"

#include "convert/onnxexport.h"
#include "convert/weightsexport.h"
#include "edit/weighttransplant.h"
#include "formats/formatregistry.h"
#include "formats/onnx/onnxshapeinference.h"
#include "formats/onnx/onnxsync.h"
#include "ir/graphsearch.h"
#include "ir/model.h"
#include "layout/scene.h"
#include "util/npy.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCheckBox>
#include <QCloseEvent>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QSpinBox>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QMetaMethod>
#include <QMimeData>
#include <QProgressBar>
#include <QProgressDialog>
#include <QtConcurrent/QtConcurrentRun>
#include <QPushButton>
#include <QRegularExpression>
#include <QScreen>
#include <QSettings>
#include <QStatusBar>
#include <QStyle>
#include <QStyleFactory>
#include <QTemporaryDir>
#include <QTimer>
#include <QUndoStack>
#include <QUndoView>

#include <algorithm>
#include <limits>

// Resources compiled into a static library are only linked in when something
// names them; this must be called outside any namespace.
static void initNodusResources()
{
    Q_INIT_RESOURCE(nodus);
}

namespace nodus {

namespace {

const QString kGeometryKey = QStringLiteral("mainWindow/geometry");
const QString kStateKey = QStringLiteral("mainWindow/state");
const QString kLastDirKey = QStringLiteral("mainWindow/lastDirectory");
const QString kSampleResource = QStringLiteral(":/samples/sample.onnx");
const QString kDirectionKey = QStringLiteral("view/direction");
const QString kThemeKey = QStringLiteral("view/theme");
const QString kMinimapKey = QStringLiteral("view/minimap");
const QString kWeightsFilter
    = QStringLiteral("Weights (*.ckpt *.onnx *.safetensors *.mindir *.model *.dnn *.cmf);;All files (*)");

// The opset a node's domain is imported at, for picking the right op docs.
std::int64_t opsetFor(const Model& model, const std::string& domain)
{
    for (const auto& [d, v] : model.opsets)
        if (d == domain || (domain == "ai.onnx" && d.empty()) || (domain.empty() && d == "ai.onnx"))
            return v;
    return INT64_MAX;
}

QString qs(std::string_view s)
{
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}

// "ONNX model (*.onnx)" per format, led by one filter for all of them, so the
// dialog follows the registry table without a list kept here.
QStringList openFilters()
{
    QStringList filters;
    QStringList all;
    for (const Format* f : FormatRegistry::instance().formats()) {
        if (!f->can(Format::Read))
            continue;
        QStringList patterns;
        for (const auto& ext : f->extensions())
            patterns << QStringLiteral("*") + QString::fromStdString(ext);
        if (patterns.isEmpty())
            continue;
        filters << QStringLiteral("%1 (%2)").arg(qs(f->displayName()), patterns.join(QLatin1Char(' ')));
        all << patterns;
    }
    all.removeDuplicates();
    if (!all.isEmpty())
        filters.prepend(QObject::tr("All models (%1)").arg(all.join(QLatin1Char(' '))));
    filters << QObject::tr("All files (*)");
    return filters;
}

// "*.onnx *.pb" for a format, from the registry table.
QString patternsOf(const Format& f)
{
    QStringList patterns;
    for (const auto& ext : f.extensions())
        patterns << QStringLiteral("*") + QString::fromStdString(ext);
    return patterns.join(QLatin1Char(' '));
}

struct SaveFilter {
    QString filter;
    const Format* format;
};

// What a model can be saved as: its own format (the dialog's default) and
// ONNX when its format converts to ONNX.
std::vector<SaveFilter> saveFilters(std::string_view ownFormat)
{
    std::vector<SaveFilter> out;
    const Format* own = FormatRegistry::instance().byName(ownFormat);
    const bool exports = own && own->can(Format::ExportOnnx);
    for (const Format* f : FormatRegistry::instance().formats()) {
        if (!f->can(Format::Write) || f->extensions().empty())
            continue;
        if (f->name() != ownFormat && !(exports && f->name() == "onnx"))
            continue;
        SaveFilter s { QStringLiteral("%1 (%2)").arg(qs(f->displayName()), patternsOf(*f)), f };
        if (f->name() == ownFormat)
            out.insert(out.begin(), s);
        else
            out.push_back(s);
    }
    return out;
}

bool claimsExtension(const Format& f, const QString& path)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix.isEmpty())
        return false;
    const std::string ext = "." + suffix.toStdString();
    for (const auto& e : f.extensions())
        if (e == ext)
            return true;
    return false;
}

// What a Save As writes: the chosen filter's format, unless the typed name
// ends in another writable format's extension (the model's own format first,
// as ".model" and ".dnn" are claimed by several).
const Format* formatForSave(const QString& path, const Format* chosen, std::string_view ownFormat)
{
    const FormatRegistry& registry = FormatRegistry::instance();
    const Format* own = registry.byName(ownFormat);
    if (own && !own->can(Format::Write))
        own = nullptr;
    if (QFileInfo(path).suffix().isEmpty())
        return chosen ? chosen : own;
    if (chosen && claimsExtension(*chosen, path))
        return chosen;
    if (own && claimsExtension(*own, path))
        return own;
    for (const Format* f : registry.formats())
        if (f->can(Format::Write) && claimsExtension(*f, path))
            return f;
    return chosen ? chosen : own;
}

MainWindow::SaveChoice askToSave(QWidget* parent, const QString& fileName)
{
    QMessageBox box(QMessageBox::Question, QObject::tr("Unsaved Changes"),
        QObject::tr("Save changes to %1?").arg(fileName),
        QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, parent);
    box.setObjectName(QStringLiteral("savePrompt"));
    box.setInformativeText(QObject::tr("Changes that are not saved are lost."));
    box.setDefaultButton(QMessageBox::Save);
    box.setEscapeButton(QMessageBox::Cancel);
    box.setWindowModality(Qt::WindowModal);
    switch (box.exec()) {
    case QMessageBox::Save:
        return MainWindow::SaveChoice::Save;
    case QMessageBox::Discard:
        return MainWindow::SaveChoice::Discard;
    default:
        return MainWindow::SaveChoice::Cancel;
    }
}

MainWindow::DeleteChoice askToDelete(QWidget* parent, const QString& nodeName)
{
    QMessageBox box(QMessageBox::Question, QObject::tr("Delete Node"), QObject::tr("Delete node '%1'?").arg(nodeName),
        QMessageBox::NoButton, parent);
    box.setObjectName(QStringLiteral("deletePrompt"));
    box.setInformativeText(QObject::tr("Bypass: the node's users read its first input instead.\n"
                                       "Delete With Inputs: the nodes and weights only this node used go too."));
    QPushButton* bypass = box.addButton(QObject::tr("Bypass"), QMessageBox::AcceptRole);
    QPushButton* withInputs = box.addButton(QObject::tr("Delete With Inputs"), QMessageBox::DestructiveRole);
    box.addButton(QMessageBox::Cancel);
    box.setDefaultButton(bypass);
    box.setWindowModality(Qt::WindowModal);
    box.exec();
    if (box.clickedButton() == bypass)
        return MainWindow::DeleteChoice::Bypass;
    if (box.clickedButton() == withInputs)
        return MainWindow::DeleteChoice::WithInputs;
    return MainWindow::DeleteChoice::Cancel;
}

// A number as typed for Fill, Scale and Add: C locale, or the user's.
std::optional<double> parseNumber(const QString& text)
{
    bool ok = false;
    const double v = QLocale::c().toDouble(text.trimmed(), &ok);
    if (ok)
        return v;
    const double local = QLocale().toDouble(text.trimmed(), &ok);
    if (ok)
        return local;
    const QString t = text.trimmed().toLower();
    if (t == QLatin1String("nan"))
        return std::numeric_limits<double>::quiet_NaN();
    if (t == QLatin1String("inf") || t == QLatin1String("+inf"))
        return std::numeric_limits<double>::infinity();
    if (t == QLatin1String("-inf"))
        return -std::numeric_limits<double>::infinity();
    return std::nullopt;
}

} // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent)
    , loader_(new ModelLoader(this))
    , graphView_(new GraphView(this))
    , outline_(new ModelOutline(this))
    , properties_(new ModelPropertiesPanel(this))
    , nodePanel_(new NodePropertiesPanel(this))
    , tensorView_(new TensorView(this))
    , findPanel_(new FindPanel(this))
    , runPanel_(new RunPanel(this))
    , convertPanel_(new ConvertPanel(this))
    , undoStack_(new QUndoStack(this))
    , savePrompt_([this](const QString& fileName) { return askToSave(this, fileName); })
    , deletePrompt_([this](const QString& nodeName) { return askToDelete(this, nodeName); })
    , inputPrompt_([this](const QString& title, const std::vector<FieldsDialog::Field>& fields) {
        return FieldsDialog::ask(this, title, fields);
    })
{
    initNodusResources();
    setWindowIcon(QIcon(QStringLiteral(":/icons/nodus.svg")));
    setAcceptDrops(true);

    graphView_->setObjectName(QStringLiteral("graphView"));
    outline_->setObjectName(QStringLiteral("outline"));
    setCentralWidget(graphView_);
    createDocks();
    dropOverlay_ = new DropOverlay(graphView_);
    connect(dropOverlay_, &DropOverlay::openDropped, this, &MainWindow::requestOpen);
    connect(dropOverlay_, &DropOverlay::convertDropped, this, &MainWindow::convertFiles);
    connect(convertPanel_, &ConvertPanel::openRequested, this, &MainWindow::requestOpen);

    busyBar_ = new QProgressBar(this);
    busyBar_->setRange(0, 0); // indeterminate: readers do not report progress
    busyBar_->setMaximumWidth(160);
    busyBar_->setMaximumHeight(14);
    busyBar_->setTextVisible(false);
    busyBar_->hide();
    statusBar()->addPermanentWidget(busyBar_);

    // Layout progress with Cancel, shown only when a layout takes a while.
    layoutBar_ = new QProgressBar(this);
    layoutBar_->setMaximumWidth(160);
    layoutBar_->setMaximumHeight(14);
    layoutBar_->setFormat(tr("Layout %p%"));
    layoutBar_->hide();
    auto* cancel = new QPushButton(tr("Cancel"), this);
    cancel->setObjectName(QStringLiteral("cancelLayout"));
    cancel->setFlat(true);
    cancel->hide();
    layoutCancel_ = cancel;
    statusBar()->addPermanentWidget(layoutBar_);
    statusBar()->addPermanentWidget(cancel);
    layoutShowTimer_ = new QTimer(this);
    layoutShowTimer_->setSingleShot(true);
    layoutShowTimer_->setInterval(250);
    connect(layoutShowTimer_, &QTimer::timeout, this, [this] {
        layoutBar_->show();
        layoutCancel_->show();
    });
    connect(cancel, &QPushButton::clicked, graphView_, &GraphView::cancelLayout);
    connect(graphView_, &GraphView::layoutStarted, this, &MainWindow::onLayoutStarted);
    connect(graphView_, &GraphView::layoutProgress, this, [this](int done, int total) {
        layoutBar_->setRange(0, std::max(1, total));
        layoutBar_->setValue(done);
    });
    connect(graphView_, &GraphView::layoutFinished, this, &MainWindow::onLayoutFinished);

    connect(graphView_, &GraphView::nodeSelected, this, [this](const Node* node) {
        nodePanel_->setNode(node, model_ ? opsetFor(*model_, node->domain) : INT64_MAX);
        nodeDock_->raise();
        updateEditing();
    });
    connect(graphView_, &GraphView::valueSelected, this, [this](const Value* value) {
        nodePanel_->showValue(value);
        nodeDock_->raise();
        if (value->initializer)
            tensorView_->setTensor(value->initializer);
        else if (const auto run
            = model_ && value->graph() == model_->graph.get() ? runPanel_->resultTensor(value->name()) : nullptr) {
            // After a run: the tensor that flowed along this edge.
            tensorView_->setTensor(run);
            tensorView_->setNote(runPanel_->resultNote());
            tensorDock_->show();
            tensorDock_->raise();
        }
        updateEditing();
    });
    connect(graphView_, &GraphView::selectionCleared, this, [this] {
        nodePanel_->clear();
        updateEditing();
    });
    connect(nodePanel_, &NodePropertiesPanel::tensorActivated, this, [this](std::shared_ptr<Tensor> tensor) {
        tensorView_->setTensor(tensor);
        tensorDock_->show();
        tensorDock_->raise();
    });
    connect(nodePanel_, &NodePropertiesPanel::valueActivated, this,
        [this](Id id) { graphView_->revealValue(graphView_->currentGraph(), id); });
    connect(nodePanel_, &NodePropertiesPanel::nodeActivated, this,
        [this](Id id) { graphView_->revealNode(graphView_->currentGraph(), id); });
    connect(findPanel_, &FindPanel::hitActivated, this, &MainWindow::onHit);
    runPanel_->setGraphView(graphView_);

    connectEditRequests();

    // The title's [*] follows the stack: undoing back to the saved state is unmodified.
    connect(undoStack_, &QUndoStack::cleanChanged, this, [this](bool clean) { setWindowModified(!clean); });

    createMenus();

    connect(loader_, &ModelLoader::loaded, this, &MainWindow::onLoaded);
    connect(loader_, &ModelLoader::failed, this, &MainWindow::onFailed);
    connect(loader_, &ModelLoader::keyRequired, this, &MainWindow::askForKey);

    const QSettings settings;
    if (!restoreGeometry(settings.value(kGeometryKey).toByteArray())) {
        const QSize available = screen()->availableSize();
        resize(QSize(1200, 800).boundedTo(available * 0.9));
    }
    restoreState(settings.value(kStateKey).toByteArray());
    updateTitle();
}

MainWindow::~MainWindow()
{
    // Closing the window commits an open cell editor, and the request it
    // makes must not reach a window that is half destroyed.
    for (QObject* panel : std::initializer_list<QObject*> { tensorView_, nodePanel_, properties_, undoStack_ })
        panel->blockSignals(true);
}

// What the panels ask for, by name, as the commands take them.
void MainWindow::connectEditRequests()
{
    connect(tensorView_, &TensorView::tensorShown, this, &MainWindow::updateTensorEditing);
    connect(tensorView_, &TensorView::elementsEditRequested, this, [this](const ElementEdits& edits) {
        if (const auto tensor = shownStoredTensor())
            runEdit(setTensorElements(tensor->name, edits), EditKind::TensorValues);
    });
    connect(tensorView_, &TensorView::actionRequested, this,
        [this](TensorView::Action action) { onTensorAction(int(action)); });
    connect(tensorView_, &TensorView::editProblem, this, &MainWindow::showEditError);
    const auto str = [](const QString& s) { return s.toStdString(); };
    connect(nodePanel_, &NodePropertiesPanel::renameNodeRequested, this,
        [this, str](
            const QString& from, const QString& to) { runEdit(renameNode(str(from), str(to)), EditKind::Names); });
    connect(nodePanel_, &NodePropertiesPanel::renameValueRequested, this,
        [this, str](
            const QString& from, const QString& to) { runEdit(renameValue(str(from), str(to)), EditKind::Names); });
    connect(nodePanel_, &NodePropertiesPanel::attributeEditRequested, this,
        [this, str](const QString& node, const QString& attribute, const QString& text) {
            runEdit(nodus::setAttribute(str(node), str(attribute), str(text)), EditKind::Attributes);
        });
    connect(nodePanel_, &NodePropertiesPanel::attributeRemoveRequested, this,
        [this, str](const QString& node, const QString& attribute) {
            runEdit(removeAttribute(str(node), str(attribute)), EditKind::Attributes);
        });
    connect(nodePanel_, &NodePropertiesPanel::attributeAddRequested, this, [this, str](const QString& node) {
        const auto answer = inputPrompt_(
            tr("Add Attribute to '%1'").arg(node), { { tr("Name:"), QString(), {} }, { tr("Value:"), QString(), {} } });
        if (!answer || answer->size() != 2 || answer->at(0).trimmed().isEmpty())
            return;
        runEdit(nodus::setAttribute(str(node), str(answer->at(0).trimmed()), str(answer->at(1).trimmed())),
            EditKind::Attributes);
    });
    connect(nodePanel_, &NodePropertiesPanel::inputShapeEditRequested, this,
        [this, str](const QString& input, const QString& text) {
            QString error;
            const auto dims = NodePropertiesPanel::parseDims(text, &error);
            if (!dims) {
                showEditError(tr("Cannot set the shape of '%1': %2").arg(input, error));
                return;
            }
            runEdit(setInputShape(str(input), *dims), EditKind::InputShapes);
        });
    connect(properties_, &ModelPropertiesPanel::propertiesEditRequested, this,
        [this](const ModelProperties& p) { runEdit(setModelProperties(p), EditKind::Metadata); });
    connect(properties_, &ModelPropertiesPanel::metadataAddRequested, this, [this, str] {
        if (!model_)
            return;
        const auto answer = inputPrompt_(
            tr("Add Metadata Property"), { { tr("Key:"), QString(), {} }, { tr("Value:"), QString(), {} } });
        if (!answer || answer->size() != 2 || answer->at(0).trimmed().isEmpty())
            return;
        ModelProperties p;
        p.metadata = model_->metadata;
        const std::string key = str(answer->at(0).trimmed());
        auto it = std::find_if(p.metadata->begin(), p.metadata->end(), [&](const auto& kv) { return kv.first == key; });
        if (it != p.metadata->end())
            it->second = str(answer->at(1));
        else
            p.metadata->emplace_back(key, str(answer->at(1)));
        runEdit(setModelProperties(std::move(p)), EditKind::Metadata);
    });
}

bool MainWindow::isLoading() const
{
    return loader_->isLoading();
}

void MainWindow::setSavePrompt(SavePrompt prompt)
{
    savePrompt_ = std::move(prompt);
}

void MainWindow::setDeletePrompt(DeletePrompt prompt)
{
    deletePrompt_ = std::move(prompt);
}

void MainWindow::setInputPrompt(InputPrompt prompt)
{
    inputPrompt_ = std::move(prompt);
}

void MainWindow::createMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("&Open..."), this, &MainWindow::showOpenDialog);
    open->setShortcut(QKeySequence::Open);

    recentMenu_ = file->addMenu(tr("Open &Recent"));
    // Built when shown, so files deleted since the last look are gone from it.
    connect(recentMenu_, &QMenu::aboutToShow, this, &MainWindow::fillRecentMenu);
    fillRecentMenu();

    file->addAction(tr("Open &Sample Model"), this, &MainWindow::openSample);
    file->addSeparator();
    QAction* convertFiles = file->addAction(tr("Con&vert Files..."), this, [this] { showConvertFilesDialog(false); });
    convertFiles->setObjectName(QStringLiteral("convertFilesAction"));
    file->addAction(tr("Convert &Folder..."), this, [this] { showConvertFilesDialog(true); });
    file->addSeparator();
    saveAction_ = file->addAction(tr("&Save"), this, &MainWindow::save);
    saveAction_->setShortcut(QKeySequence::Save);
    saveAsAction_ = file->addAction(tr("Save &As..."), this, &MainWindow::showSaveAsDialog);
    // Not every platform binds Save As (Windows, the offscreen one).
    saveAsAction_->setShortcut(QKeySequence::keyBindings(QKeySequence::SaveAs).isEmpty()
            ? QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S)
            : QKeySequence(QKeySequence::SaveAs));
    file->addSeparator();
    loadWeightsAction_ = file->addAction(tr("Load &Weights..."), this, &MainWindow::showLoadWeightsDialog);
    file->addSeparator();
    QMenu* exportMenu = file->addMenu(tr("&Export"));
    exportOnnxAction_ = exportMenu->addAction(tr("&ONNX..."), this, &MainWindow::showExportOnnxDialog);
    exportOnnxAction_->setObjectName(QStringLiteral("exportOnnxAction"));
    exportMenu->addAction(tr("Graph &Image (PNG, SVG)..."), this, &MainWindow::showExportDialog);
    exportWeightsAction_ = exportMenu->addAction(tr("&Weights (safetensors, npz)..."), this,
        &MainWindow::showExportWeightsDialog);
    exportWeightsAction_->setObjectName(QStringLiteral("exportWeightsAction"));
    file->addSeparator();
    closeAction_ = file->addAction(tr("&Close"), this, &MainWindow::closeModel);
    closeAction_->setShortcut(QKeySequence::Close);
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    // Some platform themes (and the offscreen one) bind nothing to Quit.
    quit->setShortcut(QKeySequence::keyBindings(QKeySequence::Quit).isEmpty() ? QKeySequence(Qt::CTRL | Qt::Key_Q)
                                                                              : QKeySequence(QKeySequence::Quit));
    quit->setMenuRole(QAction::QuitRole);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    createEditMenu(edit);

    QMenu* modelMenu = menuBar()->addMenu(tr("&Model"));
    QAction* run = modelMenu->addAction(tr("&Run..."), this, &MainWindow::showRunPanel);
    run->setObjectName(QStringLiteral("runAction"));
    run->setShortcut(Qt::CTRL | Qt::Key_R);
    // A run reads the model on a worker thread: no edits (or undos) meanwhile.
    connect(runPanel_, &RunPanel::runningChanged, this, [this](bool running) {
        for (const char* name : { "undoAction", "redoAction" })
            if (auto* a = findChild<QAction*>(QLatin1String(name)))
                a->setEnabled(!running
                    && (QLatin1String(name) == QLatin1String("undoAction") ? undoStack_->canUndo()
                                                                           : undoStack_->canRedo()));
        if (auto* history = findChild<QWidget*>(QStringLiteral("history")))
            history->setEnabled(!running);
    });

    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->setObjectName(QStringLiteral("viewMenu"));
    createViewMenu(view);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Nodus"), this, &MainWindow::showAbout)->setMenuRole(QAction::AboutRole);
    help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt)->setMenuRole(QAction::AboutQtRole);
}

void MainWindow::fillRecentMenu()
{
    recentMenu_->clear();
    const QStringList files = RecentFiles().files();
    for (int i = 0; i < files.size(); ++i) {
        const QString& path = files[i];
        // The number is an accelerator; the full path is in the status tip.
        const QString number = i < 9 ? QStringLiteral("&%1").arg(i + 1) : QStringLiteral("1&0");
        QAction* a = recentMenu_->addAction(
            number + QLatin1Char(' ') + QFileInfo(path).fileName(), this, [this, path] { requestOpen({ path }); });
        a->setStatusTip(QDir::toNativeSeparators(path));
        a->setToolTip(QDir::toNativeSeparators(path));
    }
    if (files.isEmpty()) {
        recentMenu_->addAction(tr("No recent files"))->setEnabled(false);
        return;
    }
    recentMenu_->addSeparator();
    recentMenu_->addAction(tr("&Clear Menu"), this, [] { RecentFiles().clear(); });
}

void MainWindow::showOpenDialog()
{
    QSettings settings;
    QString selected;
    const QStringList paths = QFileDialog::getOpenFileNames(this, tr("Open Model"),
        settings.value(kLastDirKey, QDir::homePath()).toString(), openFilters().join(QStringLiteral(";;")), &selected);
    if (paths.isEmpty())
        return;
    settings.setValue(kLastDirKey, QFileInfo(paths.first()).absolutePath());
    requestOpen(paths);
}

void MainWindow::requestOpen(const QStringList& paths)
{
    if (paths.isEmpty())
        return;
    if (isSignalConnected(QMetaMethod::fromSignal(&MainWindow::openRequested))) {
        emit openRequested(paths);
        return;
    }
    // Queued: openFile() may ask about unsaved changes, and a modal question
    // inside a drop would hold the dragging application.
    QTimer::singleShot(0, this, [this, path = paths.first()] { openFile(path); });
}

bool MainWindow::isBlank() const
{
    if (isLoading())
        return false;
    return !model_ || (isSample(currentFile_) && undoStack_->isClean());
}

void MainWindow::convertFiles(const QStringList& paths)
{
    convertDock_->show();
    convertDock_->raise();
    convertPanel_->convertPaths(paths);
}

void MainWindow::showConvertFilesDialog(bool folder)
{
    QSettings settings;
    const QString dir = settings.value(kLastDirKey, QDir::homePath()).toString();
    QStringList paths;
    if (folder) {
        const QString picked = QFileDialog::getExistingDirectory(this, tr("Convert Folder"), dir);
        if (!picked.isEmpty())
            paths << picked;
    } else {
        paths = QFileDialog::getOpenFileNames(
            this, tr("Convert Files"), dir, openFilters().join(QStringLiteral(";;")));
    }
    if (paths.isEmpty()) {
        // Still show where conversions go and what came of them.
        convertDock_->show();
        convertDock_->raise();
        return;
    }
    settings.setValue(kLastDirKey, QFileInfo(paths.first()).absolutePath());
    convertFiles(paths);
}

// Runs `work` on a worker thread while a modal progress dialog (after a
// moment) keeps the window painted and its model untouched; an exception
// from `work` comes back as its message.
QString MainWindow::runBlocking(const QString& title, const QString& label, const std::function<void()>& work)
{
    QString error;
    QFuture<void> future = QtConcurrent::run([&work, &error] {
        try {
            work();
        } catch (const std::exception& e) {
            error = QString::fromStdString(e.what());
        }
    });
    QProgressDialog progress(label, QString(), 0, 0, this);
    progress.setObjectName(QStringLiteral("workProgress"));
    progress.setWindowTitle(title);
    progress.setWindowModality(Qt::WindowModal);
    progress.setMinimumDuration(300);
    progress.setCancelButton(nullptr);
    QEventLoop loop;
    QFutureWatcher<void> watcher;
    connect(&watcher, &QFutureWatcher<void>::finished, &loop, &QEventLoop::quit);
    watcher.setFuture(future);
    if (!future.isFinished())
        loop.exec(QEventLoop::ExcludeUserInputEvents);
    future.waitForFinished();
    return error;
}

bool MainWindow::exportOnnx(const QString& path, const OnnxExportChoice& choice)
{
    if (!model_)
        return false;
    lastFileError_.clear();
    OnnxExportReport report;
    WriteOptions options;
    options.onnxOpset = choice.opset;
    options.externalData = choice.externalData;
    options.inferShapes = choice.inferShapes;
    options.partialExport = choice.keepUnmappedOps;
    options.exportReport = &report;
    const QString error = runBlocking(tr("Export to ONNX"),
        tr("Writing %1…").arg(QFileInfo(path).fileName()),
        [&] { FormatRegistry::instance().save(*model_, path.toStdString(), "onnx", options); });
    if (!error.isEmpty()) {
        showFileError(tr("Export to ONNX"), error);
        return false;
    }
    QString message = tr("Exported %1").arg(QDir::toNativeSeparators(path));
    if (report.nodesOut > 0)
        message += tr(" (%1 nodes converted to %2 ONNX nodes)").arg(report.nodesIn).arg(report.nodesOut);
    statusBar()->showMessage(message, 10000);
    if (!report.unsupported.empty() || !report.notes.empty()) {
        QString details;
        if (!report.unsupported.empty())
            details += QString::fromStdString(report.unsupportedText()) + QLatin1Char('\n');
        for (const auto& n : report.notes)
            details += QString::fromStdString(n) + QLatin1Char('\n');
        auto* box = new QMessageBox(QMessageBox::Information, tr("Export to ONNX"),
            tr("%1\n\nWorth knowing about the result:").arg(message), QMessageBox::Ok, this);
        box->setObjectName(QStringLiteral("exportReport"));
        box->setDetailedText(details.trimmed());
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
    }
    return true;
}

void MainWindow::showExportOnnxDialog()
{
    if (!model_)
        return;
    const bool isOnnx = model_->format == "onnx";
    if (!isOnnx && !canExportToOnnx(model_->format)) {
        showFileError(tr("Export to ONNX"),
            tr("%1 models do not convert to ONNX (CNTK v2 and MindIR models do).")
                .arg(QString::fromStdString(model_->format)));
        return;
    }
    QDialog dialog(this);
    dialog.setObjectName(QStringLiteral("exportOnnxDialog"));
    dialog.setWindowTitle(tr("Export to ONNX"));
    auto* opset = new QSpinBox(&dialog);
    opset->setRange(kMinOnnxExportOpset, maxOnnxExportOpset());
    opset->setValue(kDefaultOnnxExportOpset);
    auto* infer = new QCheckBox(tr("Store inferred shapes of every value"), &dialog);
    infer->setChecked(true);
    auto* external = new QCheckBox(tr("Tensors in an external data file (<file>.data)"), &dialog);
    auto* partial = new QCheckBox(tr("Keep ops without an ONNX mapping as custom ops"), &dialog);
    // One protobuf holds at most 2 GB: bigger models need external data.
    std::uint64_t bytes = 0;
    if (model_->graph)
        for (const auto& t : model_->graph->initializers)
            bytes += t->data ? t->data->size() : 0;
    if (bytes > (std::uint64_t(1) << 31) - (std::uint64_t(64) << 20)) {
        external->setChecked(true);
        external->setEnabled(false);
        external->setToolTip(tr("Over 2 GB of tensors: one ONNX file cannot hold them."));
    }
    if (isOnnx) {
        const auto it = std::find_if(model_->opsets.begin(), model_->opsets.end(),
            [](const auto& o) { return o.first.empty() || o.first == "ai.onnx"; });
        if (it != model_->opsets.end() && it->second >= opset->minimum() && it->second <= opset->maximum())
            opset->setValue(int(it->second));
        opset->setEnabled(false);
        opset->setToolTip(tr("An ONNX model is written as it is, at its own opset."));
        infer->setEnabled(false);
        infer->setToolTip(tr("An ONNX model keeps the shapes it stores."));
        partial->hide();
    }
    auto* form = new QFormLayout(&dialog);
    form->addRow(tr("Opset:"), opset);
    form->addRow(QString(), infer);
    form->addRow(QString(), external);
    form->addRow(QString(), partial);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Export..."));
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    form->addRow(buttons);
    if (dialog.exec() != QDialog::Accepted)
        return;

    const QString dir = saveFolder();
    const QString suggested = QDir(dir).filePath(QFileInfo(currentFile_).completeBaseName() + QStringLiteral(".onnx"));
    const QString path = QFileDialog::getSaveFileName(this, tr("Export to ONNX"), suggested, tr("ONNX model (*.onnx)"));
    if (path.isEmpty())
        return;
    if (QFileInfo(path).absoluteFilePath() == QFileInfo(currentFile_).absoluteFilePath()) {
        showFileError(tr("Export to ONNX"), tr("Choose another file: an export does not replace the open model."));
        return;
    }
    OnnxExportChoice choice;
    choice.opset = opset->value();
    choice.externalData = external->isChecked();
    choice.inferShapes = infer->isChecked();
    choice.keepUnmappedOps = partial->isChecked();
    exportOnnx(path, choice);
}

bool MainWindow::exportWeights(const QString& path)
{
    if (!model_)
        return false;
    lastFileError_.clear();
    WeightsExportReport report;
    const QString error = runBlocking(tr("Export Weights"), tr("Writing %1…").arg(QFileInfo(path).fileName()),
        [&] { report = nodus::exportWeights(*model_, path.toStdString()); });
    if (!error.isEmpty()) {
        showFileError(tr("Export Weights"), error);
        return false;
    }
    const QString message = tr("Wrote %n tensor(s) to %1", nullptr, int(report.written.size()))
                                .arg(QDir::toNativeSeparators(path));
    statusBar()->showMessage(message, 10000);
    if (!report.skipped.empty()) {
        QString details;
        for (const auto& [name, why] : report.skipped)
            details += QString::fromStdString(name + ": " + why) + QLatin1Char('\n');
        auto* box = new QMessageBox(QMessageBox::Information, tr("Export Weights"),
            tr("%1.\n%n tensor(s) left out.", nullptr, int(report.skipped.size())).arg(message), QMessageBox::Ok, this);
        box->setObjectName(QStringLiteral("exportReport"));
        box->setDetailedText(details.trimmed());
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
    }
    return true;
}

void MainWindow::showExportWeightsDialog()
{
    if (!model_)
        return;
    const QString dir = saveFolder();
    QString filter;
    const QString safetensors = tr("safetensors (*.safetensors)");
    const QString npz = tr("NumPy arrays (*.npz)");
    QString path = QFileDialog::getSaveFileName(this, tr("Export Weights"),
        QDir(dir).filePath(QFileInfo(currentFile_).completeBaseName() + QStringLiteral(".safetensors")),
        safetensors + QStringLiteral(";;") + npz, &filter);
    if (path.isEmpty())
        return;
    if (!weightsFormatFor(path.toStdString()))
        path += filter == npz ? QStringLiteral(".npz") : QStringLiteral(".safetensors");
    exportWeights(path);
}

void MainWindow::openFile(const QString& path)
{
    if (!maybeSave())
        return;
    const QString absolute = QFileInfo(path).absoluteFilePath();
    setBusy(true, tr("Loading %1…").arg(QFileInfo(absolute).fileName()));
    loader_->load(absolute);
}

void MainWindow::openFileWithKey(const QString& path, const QString& key)
{
    const QString absolute = QFileInfo(path).absoluteFilePath();
    setBusy(true, tr("Decrypting %1…").arg(QFileInfo(absolute).fileName()));
    ReadOptions options;
    options.key = key.toStdString();
    loader_->load(absolute, options);
}

void MainWindow::askForKey(const QString& path, const QString& message)
{
    setBusy(false);
    // Non-blocking, like the error box: tests and queued loads keep running.
    auto* dialog = new QInputDialog(this);
    dialog->setObjectName(QStringLiteral("keyDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(tr("Encrypted Model"));
    dialog->setLabelText(tr("%1\n\nKey (hex digits or the key's text):").arg(message));
    dialog->setTextEchoMode(QLineEdit::Password);
    dialog->setWindowModality(Qt::WindowModal);
    connect(dialog, &QInputDialog::textValueSelected, this, [this, path](const QString& key) {
        if (!key.isEmpty())
            openFileWithKey(path, key);
    });
    dialog->open();
    emit keyRequested(path);
}

void MainWindow::openSample()
{
    if (!sampleDir_ || !sampleDir_->isValid()) {
        sampleDir_ = std::make_unique<QTemporaryDir>();
        const QString target = sampleDir_->filePath(QStringLiteral("sample.onnx"));
        if (!sampleDir_->isValid() || !QFile::copy(kSampleResource, target)) {
            onFailed(target,
                tr("Cannot copy the sample model to a temporary folder (%1).")
                    .arg(sampleDir_->isValid() ? target : sampleDir_->errorString()));
            sampleDir_.reset();
            return;
        }
    }
    openFile(sampleDir_->filePath(QStringLiteral("sample.onnx")));
}

QString MainWindow::saveFolder() const
{
    return isSample(currentFile_) ? QSettings().value(kLastDirKey, QDir::homePath()).toString()
                                  : QFileInfo(currentFile_).absolutePath();
}

bool MainWindow::isSample(const QString& path) const
{
    return sampleDir_ && QFileInfo(path).absolutePath() == QFileInfo(sampleDir_->path()).absoluteFilePath();
}

bool MainWindow::closeModel()
{
    if (!maybeSave())
        return false;
    undoStack_->clear();
    model_.reset();
    currentFile_.clear();
    graphView_->clear();
    outline_->clear();
    properties_->clear();
    nodePanel_->clear();
    tensorView_->clear();
    findPanel_->setGraph(nullptr);
    runPanel_->clear();
    setWindowModified(false);
    updateTitle();
    updateEditing();
    return true;
}

bool MainWindow::maybeSave()
{
    if (!model_ || !isWindowModified())
        return true;
    switch (savePrompt_(QFileInfo(currentFile_).fileName())) {
    case SaveChoice::Save:
        return save();
    case SaveChoice::Discard:
        return true;
    case SaveChoice::Cancel:
        break;
    }
    return false;
}

bool MainWindow::save()
{
    if (!model_)
        return false;
    const Format* own = FormatRegistry::instance().byName(model_->format);
    // The sample's copy is a temporary file: saving there would be lost.
    if (isSample(currentFile_) || !own || !own->can(Format::Write))
        return showSaveAsDialog();
    return saveAs(currentFile_, qs(own->name()));
}

bool MainWindow::showSaveAsDialog()
{
    if (!model_)
        return false;
    const std::vector<SaveFilter> filters = saveFilters(model_->format);
    if (filters.empty())
        return false;
    QStringList names;
    for (const auto& f : filters)
        names << f.filter;
    auto formatOf = [&filters](const QString& filter) -> const Format* {
        for (const auto& f : filters)
            if (f.filter == filter)
                return f.format;
        return nullptr;
    };
    auto suffixOf = [](const Format& f) { return QString::fromStdString(f.extensions().front()).mid(1); };

    QSettings settings;
    const QString dir = saveFolder();
    const Format* first = filters.front().format;
    const QString base = QFileInfo(currentFile_).completeBaseName();

    QFileDialog dialog(this, tr("Save Model As"), dir, names.join(QStringLiteral(";;")));
    dialog.setAcceptMode(QFileDialog::AcceptSave);
    dialog.setFileMode(QFileDialog::AnyFile);
    dialog.selectNameFilter(names.front());
    dialog.setDefaultSuffix(suffixOf(*first));
    dialog.selectFile(base + QLatin1Char('.') + suffixOf(*first));
    // Picking another format renames the file to match, so the overwrite
    // check the dialog does is about the file that will be written.
    connect(&dialog, &QFileDialog::filterSelected, &dialog, [&](const QString& filter) {
        const Format* f = formatOf(filter);
        if (!f)
            return;
        dialog.setDefaultSuffix(suffixOf(*f));
        const QString typed = dialog.selectedFiles().value(0);
        const QString name = typed.isEmpty() ? base : QFileInfo(typed).completeBaseName();
        dialog.selectFile(name + QLatin1Char('.') + suffixOf(*f));
    });
    if (dialog.exec() != QDialog::Accepted || dialog.selectedFiles().isEmpty())
        return false;
    const QString path = dialog.selectedFiles().front();
    settings.setValue(kLastDirKey, QFileInfo(path).absolutePath());
    const Format* format = formatForSave(path, formatOf(dialog.selectedNameFilter()), model_->format);
    return saveAs(path, format ? qs(format->name()) : QString());
}

bool MainWindow::saveAs(const QString& path, const QString& formatName)
{
    if (!model_)
        return false;
    const QString absolute = QFileInfo(path).absoluteFilePath();
    const FormatRegistry& registry = FormatRegistry::instance();
    const Format* format = formatName.isEmpty() ? formatForSave(absolute, nullptr, model_->format)
                                                : registry.byName(formatName.toStdString());
    if (!format) {
        showFileError(tr("Cannot Save"),
            formatName.isEmpty() ? tr("%1: Nodus knows no format it can write with this extension.").arg(absolute)
                                 : tr("%1: '%2' is not a format Nodus knows.").arg(absolute, formatName));
        return false;
    }
    const bool sameFormat = format->name() == model_->format;

    QString error;
    QApplication::setOverrideCursor(Qt::WaitCursor);
    OnnxExportReport report;
    WriteOptions options;
    options.exportReport = &report;
    try {
        registry.save(*model_, toFilesystemPath(absolute), format->name(), options);
    } catch (const std::bad_alloc&) {
        error = tr("%1: not enough memory to write this model").arg(absolute);
    } catch (const std::exception& e) {
        error = errorMessage(e, absolute);
    }
    QApplication::restoreOverrideCursor();
    if (!error.isEmpty()) {
        showFileError(sameFormat ? tr("Cannot Save") : tr("Cannot Export"), error);
        return false;
    }
    lastFileError_.clear();

    if (!sameFormat) {
        // An export: the open document is still the file it was.
        QString message = tr("Exported to %1").arg(QDir::toNativeSeparators(absolute));
        if (report.nodesOut > 0)
            message += tr(" (%1 nodes converted to %2 ONNX nodes)").arg(report.nodesIn).arg(report.nodesOut);
        for (const auto& note : report.notes)
            message += "; " + qs(note);
        statusBar()->showMessage(message, 15000);
        return true;
    }
    currentFile_ = absolute;
    model_->sourcePath = toFilesystemPath(absolute);
    properties_->showModel(model_);
    if (!isSample(absolute))
        RecentFiles().add(absolute);
    undoStack_->setClean();
    setWindowModified(false);
    updateTitle();
    statusBar()->showMessage(tr("Saved %1").arg(QDir::toNativeSeparators(absolute)), 8000);
    return true;
}

void MainWindow::showLoadWeightsDialog()
{
    if (!model_)
        return;
    QSettings settings;
    const QString dir = saveFolder();
    const QString path = QFileDialog::getOpenFileName(this, tr("Load Weights"), dir, kWeightsFilter);
    if (path.isEmpty())
        return;
    settings.setValue(kLastDirKey, QFileInfo(path).absolutePath());
    loadWeights(path);
}

bool MainWindow::loadWeights(const QString& path)
{
    if (!model_) {
        showFileError(tr("Cannot Load Weights"), tr("Open a model first, then load weights into it."));
        return false;
    }
    if (isLoading()) {
        // The model being opened would replace the one the weights went into.
        showFileError(tr("Cannot Load Weights"), tr("A model is still opening; load weights once it is open."));
        return false;
    }
    const QString absolute = QFileInfo(path).absoluteFilePath();
    std::unique_ptr<Model> weights;
    QString error;
    QApplication::setOverrideCursor(Qt::WaitCursor);
    try {
        weights = FormatRegistry::instance().open(toFilesystemPath(absolute));
    } catch (const std::bad_alloc&) {
        error = tr("%1: not enough memory to read these weights").arg(absolute);
    } catch (const std::exception& e) {
        // Encrypted files (KeyRequiredError) too: their message says so.
        error = errorMessage(e, absolute);
    }
    QApplication::restoreOverrideCursor();
    if (!weights) {
        showFileError(tr("Cannot Load Weights"), error);
        return false;
    }

    // The target's tensors take the weights' data (mapped, not copied), so
    // the weights model itself need not outlive this call.
    auto transplant = std::make_unique<WeightTransplant>(*model_, *weights);
    TransplantReport report = transplant->report();
    bool changed = false;
    if (report.mismatches.empty() && !report.loaded.empty()) {
        // One undo step; its text names the file ("Load weights from x.ckpt").
        auto command
            = std::make_unique<LoadWeightsCommand>(std::move(transplant), QFileInfo(absolute).fileName().toStdString());
        const LoadWeightsCommand& load = *command;
        changed = runEdit(std::move(command), EditKind::TensorValues);
        if (changed) // the command lives on in the undo stack
            report = load.report();
    }
    if (changed)
        statusBar()->showMessage(
            tr("Loaded %1 weights from %2").arg(report.loaded.size()).arg(QFileInfo(absolute).fileName()), 8000);
    lastFileError_.clear();

    // open(), not exec(), like the error boxes: window-modal, never blocking.
    auto* dialog = new WeightsReportDialog(report, absolute, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowModality(Qt::WindowModal);
    dialog->open();
    return changed;
}

bool MainWindow::runEdit(EditCommandPtr command, EditKind kind)
{
    if (!model_ || !command)
        return false;
    if (runPanel_->isRunning()) {
        showEditError(tr("The model is running: wait for the run to finish, or cancel it, before editing."));
        return false;
    }
    QString error;
    try {
        command->apply(*model_);
    } catch (const std::bad_alloc&) {
        error = tr("%1: not enough memory for this edit").arg(QString::fromStdString(command->text()));
    } catch (const std::exception& e) {
        // EditRefused and nodus::Error say what and why; anything else is
        // still not a reason to take the window down.
        error = QString::fromUtf8(e.what());
    }
    if (!error.isEmpty()) {
        showEditError(error);
        return false;
    }
    lastEditError_.clear();
    auto* undo = new EditUndoCommand(
        std::move(command), model_, kind, [this](EditKind k) { modelEdited(k); },
        [this](const QString& message) {
            // An undo or redo that failed leaves the model in a state the
            // other steps were not made for: the history goes, the model stays.
            showEditError(tr("%1 (the undo history was cleared)").arg(message));
            QTimer::singleShot(0, this, [this] {
                undoStack_->clear();
                setWindowModified(true);
                modelEdited(EditKind::Structure);
            });
        });
    const QString text = undo->text();
    undoStack_->push(undo); // its first redo() shows the change
    statusBar()->showMessage(text, 5000);
    return true;
}

void MainWindow::showEditError(const QString& message)
{
    lastEditError_ = message;
    statusBar()->showMessage(tr("Edit refused: %1").arg(message), 10000);
    // One box at a time: a paste of many bad cells is one message.
    if (auto* old = findChild<QMessageBox*>(QStringLiteral("editErrorBox")))
        old->close();
    auto* box = new QMessageBox(QMessageBox::Warning, tr("Cannot Edit"), message, QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("editErrorBox"));
    box->setInformativeText(tr("The model is unchanged."));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setWindowModality(Qt::WindowModal);
    box->open();
}

void MainWindow::modelEdited(EditKind kind)
{
    if (!model_)
        return;
    switch (kind) {
    case EditKind::TensorValues:
    case EditKind::TensorType:
        tensorView_->refresh();
        updateTensorEditing();
        refreshNodePanel();
        if (kind == EditKind::TensorType)
            outline_->showModel(model_); // it lists tensor types
        break;
    case EditKind::Metadata:
        properties_->showModel(model_);
        break;
    case EditKind::Names:
    case EditKind::Attributes:
    case EditKind::InputShapes:
    case EditKind::Structure:
        if (kind == EditKind::InputShapes || kind == EditKind::Structure)
            reinferShapes();
        // The layout shows names, attributes and shapes, so it is redone;
        // the view, open groups and selection stay.
        graphView_->refreshModel();
        outline_->showModel(model_);
        findPanel_->setGraph(model_->graph.get());
        properties_->showModel(model_);
        refreshNodePanel();
        tensorView_->refresh();
        updateTensorEditing();
        break;
    }
    runPanel_->modelEdited();
    updateEditing();
}

// Edge labels show shapes shape inference worked out from the inputs: after
// an input shape changes (or a node goes) they are worked out again, from the
// edited graph written into the ONNX skeleton as a save would.
void MainWindow::reinferShapes()
{
    if (!model_ || model_->format != "onnx" || !model_->graph)
        return;
    for (const auto& v : model_->graph->values())
        if (v->typeInferred) {
            v->type = ValueType {};
            v->typeInferred = false;
        }
    try {
        syncOnnxDocument(*model_);
        inferOnnxShapes(*model_);
    } catch (const std::exception& e) {
        statusBar()->showMessage(tr("Shapes could not be worked out again: %1").arg(QString::fromUtf8(e.what())), 8000);
    }
}

void MainWindow::refreshNodePanel()
{
    const Graph* graph = nodePanel_->shownGraph();
    // A subgraph the view no longer shows may belong to a deleted node.
    if (!graph || (graph != model_->graph.get() && graph != graphView_->currentGraph())) {
        nodePanel_->clear();
        return;
    }
    if (const Id id = nodePanel_->shownNode()) {
        if (const Node* node = graph->nodeById(id))
            nodePanel_->setNode(node, opsetFor(*model_, node->domain));
        else
            nodePanel_->clear();
    } else if (const Id id = nodePanel_->shownValue()) {
        if (const Value* value = graph->valueById(id))
            nodePanel_->showValue(value);
        else
            nodePanel_->clear();
    }
}

std::shared_ptr<Tensor> MainWindow::shownStoredTensor() const
{
    const auto& shown = tensorView_->tensor();
    if (!model_ || !model_->graph || !shown)
        return nullptr;
    for (const auto& t : model_->graph->initializers)
        if (t.get() == shown.get())
            return t;
    return nullptr;
}

void MainWindow::updateTensorEditing()
{
    const auto stored = shownStoredTensor();
    tensorView_->setEditable(
        stored && canSaveEdit(*model_, EditKind::TensorValues), stored && canSaveEdit(*model_, EditKind::TensorType));
    tensorView_->setNote(stored ? TensorView::quantizationText(*model_->graph, *stored) : QString());
}

void MainWindow::updateEditing()
{
    NodePropertiesPanel::Editing editing;
    if (model_ && model_->graph) {
        editing.graph = model_->graph.get();
        editing.names = canSaveEdit(*model_, EditKind::Names);
        editing.attributes = canSaveEdit(*model_, EditKind::Attributes);
        editing.inputShapes = canSaveEdit(*model_, EditKind::InputShapes);
    }
    nodePanel_->setEditing(editing);
    properties_->setEditable(model_ && canSaveEdit(*model_, EditKind::Metadata));
    const Node* node = model_ ? graphView_->selectedNode() : nullptr;
    const bool mainNode = node && node->graph() == model_->graph.get() && !node->name.empty();
    renameNodeAction_->setEnabled(mainNode && editing.names);
    deleteNodeAction_->setEnabled(mainNode && canSaveEdit(*model_, EditKind::Structure));
}

void MainWindow::createEditMenu(QMenu* edit)
{
    QAction* undo = undoStack_->createUndoAction(this, tr("&Undo"));
    undo->setObjectName(QStringLiteral("undoAction"));
    undo->setShortcut(QKeySequence::Undo);
    QAction* redo = undoStack_->createRedoAction(this, tr("&Redo"));
    redo->setObjectName(QStringLiteral("redoAction"));
    // Both conventions: Ctrl+Shift+Z (macOS, GNOME) and Ctrl+Y (Windows).
    redo->setShortcuts({ QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Z), QKeySequence(Qt::CTRL | Qt::Key_Y) });
    edit->addAction(undo);
    edit->addAction(redo);
    edit->addSeparator();

    // Only while the graph has the focus: F2 and Delete mean other things
    // in the panels' tables and fields.
    renameNodeAction_ = edit->addAction(tr("Re&name Node..."), this, &MainWindow::renameSelectedNode);
    renameNodeAction_->setObjectName(QStringLiteral("renameNodeAction"));
    renameNodeAction_->setShortcut(Qt::Key_F2);
    deleteNodeAction_ = edit->addAction(tr("&Delete Node..."), this, &MainWindow::deleteSelectedNode);
    deleteNodeAction_->setObjectName(QStringLiteral("deleteNodeAction"));
    deleteNodeAction_->setShortcut(QKeySequence::Delete);
    for (QAction* a : { renameNodeAction_, deleteNodeAction_ }) {
        a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        a->setEnabled(false);
        graphView_->addAction(a);
    }
    edit->addSeparator();
    QAction* find = edit->addAction(tr("&Find..."), this, &MainWindow::showFind);
    find->setShortcut(QKeySequence::Find);
}

void MainWindow::renameSelectedNode()
{
    const Node* node = model_ ? graphView_->selectedNode() : nullptr;
    if (!node || !renameNodeAction_->isEnabled())
        return;
    const QString name = qs(node->name);
    const auto answer = inputPrompt_(tr("Rename Node"), { { tr("Name:"), name, {} } });
    if (!answer || answer->isEmpty() || answer->front() == name)
        return;
    runEdit(renameNode(node->name, answer->front().toStdString()), EditKind::Names);
}

void MainWindow::deleteSelectedNode()
{
    const Node* node = model_ ? graphView_->selectedNode() : nullptr;
    if (!node || !deleteNodeAction_->isEnabled())
        return;
    const std::string name = node->name;
    switch (deletePrompt_(qs(name))) {
    case DeleteChoice::Bypass:
        runEdit(deleteNode(name, DeleteMode::Bypass), EditKind::Structure);
        break;
    case DeleteChoice::WithInputs:
        runEdit(deleteNode(name, DeleteMode::WithDanglingProducers), EditKind::Structure);
        break;
    case DeleteChoice::Cancel:
        break;
    }
}

void MainWindow::onTensorAction(int which)
{
    const auto tensor = shownStoredTensor();
    const auto action = TensorView::Action(which);
    if (action == TensorView::Action::Export) {
        // Any shown tensor can be exported, stored or not.
        const auto shown = tensorView_->tensor();
        if (!shown)
            return;
        QSettings settings;
        const QString dir = settings.value(kLastDirKey, QDir::homePath()).toString();
        QString base = qs(shown->name);
        base.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9_.-]")), QStringLiteral("_"));
        const QString path = QFileDialog::getSaveFileName(this, tr("Export Tensor"),
            QDir(dir).filePath((base.isEmpty() ? QStringLiteral("tensor") : base) + QStringLiteral(".npy")),
            tr("NumPy array (*.npy)"));
        if (path.isEmpty())
            return;
        settings.setValue(kLastDirKey, QFileInfo(path).absolutePath());
        exportTensor(path);
        return;
    }
    if (!tensor)
        return;
    const std::string name = tensor->name;
    switch (action) {
    case TensorView::Action::Fill:
    case TensorView::Action::Scale:
    case TensorView::Action::Add: {
        const TensorOp op = action == TensorView::Action::Fill ? TensorOp::Fill
            : action == TensorView::Action::Scale              ? TensorOp::Scale
                                                               : TensorOp::Add;
        const QString verb = op == TensorOp::Fill ? tr("Fill") : op == TensorOp::Scale ? tr("Scale") : tr("Add to");
        const QString label = op == TensorOp::Fill ? tr("Value:") : op == TensorOp::Scale ? tr("Factor:") : tr("Add:");
        const QString scope = tensorView_->editScopeText();
        const auto answer = inputPrompt_(tr("%1 '%2' (%3)").arg(verb, qs(name), scope),
            { { label, op == TensorOp::Scale ? QStringLiteral("1") : QStringLiteral("0"), {} } });
        if (!answer || answer->isEmpty())
            return;
        const auto value = parseNumber(answer->front());
        if (!value) {
            showEditError(tr("%1 '%2': '%3' is not a number").arg(verb, qs(name), answer->front()));
            return;
        }
        runEdit(tensorArithmetic(name, op, *value, tensorView_->editScope()), EditKind::TensorValues);
        break;
    }
    case TensorView::Action::Zero:
        runEdit(tensorArithmetic(name, TensorOp::Fill, 0.0, tensorView_->editScope()), EditKind::TensorValues);
        break;
    case TensorView::Action::Cast: {
        static const DataType kTypes[] = { DataType::Float, DataType::Float16, DataType::BFloat16, DataType::Double,
            DataType::Int8, DataType::UInt8, DataType::Int16, DataType::UInt16, DataType::Int32, DataType::UInt32,
            DataType::Int64, DataType::UInt64, DataType::Bool };
        QStringList choices;
        for (DataType t : kTypes)
            if (t != tensor->dataType)
                choices << qs(dataTypeName(t));
        const auto answer = inputPrompt_(tr("Cast '%1' (%2)").arg(qs(name), qs(dataTypeName(tensor->dataType))),
            { { tr("To:"), choices.front(), choices } });
        if (!answer || answer->isEmpty())
            return;
        const auto type = dataTypeFromName(answer->front().toStdString());
        if (!type) {
            showEditError(tr("Cast '%1': '%2' is not an element type").arg(qs(name), answer->front()));
            return;
        }
        runEdit(castTensor(name, *type), EditKind::TensorType);
        break;
    }
    case TensorView::Action::Import: {
        QSettings settings;
        const QString dir = settings.value(kLastDirKey, QDir::homePath()).toString();
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Import Tensor"), dir, tr("NumPy arrays (*.npy *.npz);;All files (*)"));
        if (path.isEmpty())
            return;
        settings.setValue(kLastDirKey, QFileInfo(path).absolutePath());
        importTensor(path);
        break;
    }
    case TensorView::Action::Export:
        break;
    }
}

bool MainWindow::importTensor(const QString& path)
{
    const auto tensor = shownStoredTensor();
    if (!tensor) {
        showEditError(tr("%1: show a stored tensor of the model to import values into it").arg(path));
        return false;
    }
    const QString absolute = QFileInfo(path).absoluteFilePath();
    std::shared_ptr<Tensor> source;
    QString error;
    try {
        if (absolute.endsWith(QLatin1String(".npz"), Qt::CaseInsensitive)) {
            // The array of the tensor's name, or the only one there is.
            auto arrays = readNpz(toFilesystemPath(absolute));
            for (auto& [name, array] : arrays)
                if (name == tensor->name)
                    source = array;
            if (!source && arrays.size() == 1)
                source = arrays.front().second;
            if (!source) {
                QStringList names;
                for (const auto& a : arrays)
                    names << qs(a.first);
                error = tr("%1: no array named '%2' (it holds %3)")
                            .arg(absolute, qs(tensor->name), names.isEmpty() ? tr("none") : names.join(", "));
            }
        } else {
            source = readNpy(toFilesystemPath(absolute));
        }
    } catch (const std::exception& e) {
        error = errorMessage(e, absolute);
    }
    if (!source) {
        showEditError(error);
        return false;
    }
    return runEdit(replaceTensor(tensor->name, std::move(source)), EditKind::TensorValues);
}

bool MainWindow::exportTensor(const QString& path)
{
    const auto tensor = tensorView_->tensor();
    if (!tensor)
        return false;
    const QString absolute = QFileInfo(path).absoluteFilePath();
    try {
        writeNpy(*tensor, toFilesystemPath(absolute));
    } catch (const std::exception& e) {
        showFileError(tr("Cannot Export Tensor"), errorMessage(e, absolute));
        return false;
    }
    lastFileError_.clear();
    statusBar()->showMessage(tr("Exported '%1' to %2").arg(qs(tensor->name), QDir::toNativeSeparators(absolute)), 8000);
    return true;
}

void MainWindow::showFileError(const QString& title, const QString& message)
{
    lastFileError_ = message;
    statusBar()->clearMessage();
    auto* box = new QMessageBox(QMessageBox::Warning, title, message, QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("fileErrorBox"));
    box->setInformativeText(model_ ? tr("The open model is unchanged.") : QString());
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setWindowModality(Qt::WindowModal);
    box->open();
}

void MainWindow::onLoaded(const QString& path, std::shared_ptr<Model> model, double seconds)
{
    undoStack_->clear();
    model_ = std::move(model);
    currentFile_ = path;
    setWindowModified(false);
    outline_->showModel(model_);
    properties_->showModel(model_);
    nodePanel_->clear();
    nodePanel_->setMetadata(FormatRegistry::instance().opMetadataFor(model_->format));
    tensorView_->clear();
    findPanel_->setGraph(model_->graph.get());
    graphView_->setModel(model_);
    runPanel_->setModel(model_);
    if (!isSample(path))
        RecentFiles().add(path);
    updateTitle();
    updateEditing();
    setBusy(false);
    const std::size_t nodes = model_->graph ? model_->graph->nodes().size() : 0;
    const QString took = seconds < 1 ? tr("%1 ms").arg(qRound(seconds * 1000)) : tr("%1 s").arg(seconds, 0, 'f', 1);
    statusBar()->showMessage(
        tr("Opened %1: %2 nodes in %3").arg(QFileInfo(path).fileName(), QLocale().toString(qulonglong(nodes)), took),
        8000);
    emit modelOpened(path);
}

void MainWindow::onFailed(const QString& path, const QString& message)
{
    lastError_ = message;
    setBusy(false);
    statusBar()->showMessage(tr("Could not open %1").arg(QFileInfo(path).fileName()), 8000);
    if (!QFileInfo::exists(path))
        RecentFiles().remove(path);

    // open(), not exec(): a nested event loop would stall queued loads and
    // would block tests; window-modal still keeps the user from acting behind it.
    auto* box = new QMessageBox(QMessageBox::Warning, tr("Cannot Open File"), message, QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("openErrorBox"));
    box->setInformativeText(model_ ? tr("The model that was open stays open.") : QString());
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setWindowModality(Qt::WindowModal);
    box->open();
    emit openFailed(path, message);
}

void MainWindow::setBusy(bool busy, const QString& message)
{
    busyBar_->setVisible(busy);
    if (busy)
        statusBar()->showMessage(message);
    else
        statusBar()->clearMessage();
}

void MainWindow::updateTitle()
{
    closeAction_->setEnabled(model_ != nullptr);
    exportOnnxAction_->setEnabled(model_ && (model_->format == "onnx" || canExportToOnnx(model_->format)));
    exportWeightsAction_->setEnabled(model_ != nullptr);
    saveAction_->setEnabled(model_ != nullptr);
    saveAsAction_->setEnabled(model_ != nullptr);
    loadWeightsAction_->setEnabled(model_ != nullptr);
    if (!model_) {
        setWindowFilePath({});
        setWindowTitle(QStringLiteral("Nodus"));
        return;
    }
    // [*] shows the dirty marker once edits exist (setWindowModified).
    setWindowTitle(QStringLiteral("%1[*] — Nodus").arg(QFileInfo(currentFile_).fileName()));
}

void MainWindow::showAbout()
{
    QStringList formats;
    for (const Format* f : FormatRegistry::instance().formats())
        formats << qs(f->displayName()).toHtmlEscaped();
    QMessageBox::about(this, tr("About Nodus"),
        tr("<h3>Nodus %1</h3>"
           "<p>Inspector and editor for machine-learning model files.</p>"
           "<p>Formats: %2</p>"
           "<p>Built with Qt %3.</p>")
            .arg(QStringLiteral(NODUS_VERSION), formats.join(QStringLiteral(", ")), QStringLiteral(QT_VERSION_STR)));
}

void MainWindow::createDocks()
{
    auto dock = [this](const QString& title, const QString& name, QWidget* widget, Qt::DockWidgetArea area) {
        auto* d = new QDockWidget(title, this);
        d->setObjectName(name); // saveState() keys docks by name
        d->setWidget(widget);
        d->setFeatures(
            QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable | QDockWidget::DockWidgetClosable);
        addDockWidget(area, d);
        return d;
    };
    nodeDock_ = dock(tr("Properties"), QStringLiteral("nodeDock"), nodePanel_, Qt::RightDockWidgetArea);
    QDockWidget* model = dock(tr("Model"), QStringLiteral("propertiesDock"), properties_, Qt::RightDockWidgetArea);
    tabifyDockWidget(nodeDock_, model);
    findDock_ = dock(tr("Find"), QStringLiteral("findDock"), findPanel_, Qt::LeftDockWidgetArea);
    QDockWidget* outline = dock(tr("Outline"), QStringLiteral("outlineDock"), outline_, Qt::LeftDockWidgetArea);
    tabifyDockWidget(findDock_, outline);
    outline->raise();
    findDock_->hide();
    tensorDock_ = dock(tr("Tensor"), QStringLiteral("tensorDock"), tensorView_, Qt::BottomDockWidgetArea);
    tensorDock_->hide();
    runDock_ = dock(tr("Run"), QStringLiteral("runDock"), runPanel_, Qt::RightDockWidgetArea);
    tabifyDockWidget(nodeDock_, runDock_);
    runDock_->hide();
    convertDock_ = dock(tr("Convert"), QStringLiteral("convertDock"), convertPanel_, Qt::RightDockWidgetArea);
    tabifyDockWidget(nodeDock_, convertDock_);
    convertDock_->hide();
    auto* history = new QUndoView(undoStack_, this);
    history->setObjectName(QStringLiteral("history"));
    history->setEmptyLabel(tr("<opened>"));
    QDockWidget* historyDock = dock(tr("History"), QStringLiteral("historyDock"), history, Qt::LeftDockWidgetArea);
    tabifyDockWidget(outline, historyDock);
    outline->raise();
    nodeDock_->raise();
}

void MainWindow::createViewMenu(QMenu* view)
{
    GraphCanvas* canvas = graphView_->canvas();
    QSettings settings;

    QAction* fit = view->addAction(tr("&Fit to Window"), canvas, &GraphCanvas::fitToView);
    fit->setShortcut(Qt::CTRL | Qt::Key_0);
    QAction* actual = view->addAction(tr("&Actual Size"), this, [canvas] { canvas->zoomTo(1.0); });
    actual->setShortcut(Qt::CTRL | Qt::Key_1);
    view->addAction(tr("Zoom &In"), canvas, &GraphCanvas::zoomIn)->setShortcut(QKeySequence::ZoomIn);
    view->addAction(tr("Zoom &Out"), canvas, &GraphCanvas::zoomOut)->setShortcut(QKeySequence::ZoomOut);
    view->addSeparator();
    view->addAction(tr("&Expand All Groups"), graphView_, &GraphView::expandAll)->setShortcut(Qt::CTRL | Qt::Key_E);
    view->addAction(tr("&Collapse All Groups"), graphView_, &GraphView::collapseAll)
        ->setShortcut(Qt::CTRL | Qt::SHIFT | Qt::Key_E);

    QMenu* direction = view->addMenu(tr("&Direction"));
    auto* directions = new QActionGroup(this);
    const bool lr = settings.value(kDirectionKey).toString() == QLatin1String("lr");
    graphView_->setDirection(lr ? LayoutDirection::LeftToRight : LayoutDirection::TopToBottom);
    for (const auto& [label, value] : { std::pair { tr("&Top to Bottom"), QStringLiteral("tb") },
             std::pair { tr("&Left to Right"), QStringLiteral("lr") } }) {
        QAction* a = direction->addAction(label);
        a->setCheckable(true);
        a->setChecked((value == QLatin1String("lr")) == lr);
        directions->addAction(a);
        connect(a, &QAction::triggered, this, [this, value] {
            QSettings().setValue(kDirectionKey, value);
            graphView_->setDirection(
                value == QLatin1String("lr") ? LayoutDirection::LeftToRight : LayoutDirection::TopToBottom);
        });
    }

    QMenu* theme = view->addMenu(tr("T&heme"));
    auto* themes = new QActionGroup(this);
    const QString current = settings.value(kThemeKey, QStringLiteral("system")).toString();
    for (const auto& [label, value] : { std::pair { tr("&System"), QStringLiteral("system") },
             std::pair { tr("&Light"), QStringLiteral("light") }, std::pair { tr("&Dark"), QStringLiteral("dark") } }) {
        QAction* a = theme->addAction(label);
        a->setCheckable(true);
        a->setChecked(value == current);
        themes->addAction(a);
        connect(a, &QAction::triggered, this, [this, value] {
            QSettings().setValue(kThemeKey, value);
            applyTheme(value);
        });
    }
    applyTheme(current);

    QAction* minimap = view->addAction(tr("&Minimap"));
    minimap->setCheckable(true);
    minimap->setChecked(settings.value(kMinimapKey, true).toBool());
    canvas->setMinimapVisible(minimap->isChecked());
    connect(minimap, &QAction::toggled, this, [canvas](bool on) {
        QSettings().setValue(kMinimapKey, on);
        canvas->setMinimapVisible(on);
    });

    view->addSeparator();
    for (QDockWidget* d : findChildren<QDockWidget*>())
        view->addAction(d->toggleViewAction());
}

void MainWindow::applyTheme(const QString& theme)
{
    // "system" keeps the platform's palette (and so its light or dark mode);
    // the others force Fusion's palette in that tone. The canvas follows the
    // palette on its own.
    static const QPalette systemPalette = QApplication::palette();
    static const QString systemStyle = QApplication::style()->name();
    if (theme == QLatin1String("dark")) {
        QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
        QPalette p;
        p.setColor(QPalette::Window, QColor(37, 37, 38));
        p.setColor(QPalette::WindowText, QColor(220, 220, 220));
        p.setColor(QPalette::Base, QColor(30, 30, 30));
        p.setColor(QPalette::AlternateBase, QColor(45, 45, 48));
        p.setColor(QPalette::Text, QColor(220, 220, 220));
        p.setColor(QPalette::Button, QColor(45, 45, 48));
        p.setColor(QPalette::ButtonText, QColor(220, 220, 220));
        p.setColor(QPalette::Highlight, QColor(38, 79, 120));
        p.setColor(QPalette::HighlightedText, Qt::white);
        p.setColor(QPalette::ToolTipBase, QColor(45, 45, 48));
        p.setColor(QPalette::ToolTipText, QColor(220, 220, 220));
        p.setColor(QPalette::PlaceholderText, QColor(140, 140, 140));
        p.setColor(QPalette::Disabled, QPalette::Text, QColor(120, 120, 120));
        p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(120, 120, 120));
        QApplication::setPalette(p);
    } else if (theme == QLatin1String("light")) {
        QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
        QApplication::setPalette(QApplication::style()->standardPalette());
    } else {
        QApplication::setStyle(QStyleFactory::create(systemStyle));
        QApplication::setPalette(systemPalette);
    }
    graphView_->canvas()->followSystemTheme();
}

void MainWindow::showRunPanel()
{
    runDock_->show();
    runDock_->raise();
    if (runPanel_->runButton()->isEnabled())
        runPanel_->runButton()->setFocus();
}

void MainWindow::showFind()
{
    findDock_->show();
    findDock_->raise();
    findPanel_->focusSearch();
}

void MainWindow::onHit(const SearchHit& hit)
{
    switch (hit.kind) {
    case SearchHit::Node:
        graphView_->revealNode(hit.graph, hit.id);
        break;
    case SearchHit::Value:
        graphView_->revealValue(hit.graph, hit.id);
        break;
    case SearchHit::Tensor:
        if (const Value* v = hit.graph ? hit.graph->valueById(hit.id) : nullptr) {
            if (v->initializer) {
                tensorView_->setTensor(v->initializer);
                tensorDock_->show();
                tensorDock_->raise();
            }
            graphView_->revealValue(hit.graph, hit.id);
        }
        break;
    }
}

void MainWindow::onLayoutStarted()
{
    layoutBar_->setRange(0, 0);
    layoutShowTimer_->start();
}

void MainWindow::onLayoutFinished(double seconds, bool cancelled, const QString& error)
{
    layoutShowTimer_->stop();
    layoutBar_->hide();
    layoutCancel_->hide();
    if (!error.isEmpty())
        statusBar()->showMessage(tr("Layout failed: %1").arg(error), 10000);
    else if (cancelled)
        statusBar()->showMessage(tr("Layout cancelled"), 5000);
    else if (seconds > 0.5)
        statusBar()->showMessage(tr("Laid out in %1 s").arg(seconds, 0, 'f', 1), 5000);
}

QString MainWindow::exportImage(const QString& path, double scale)
{
    const auto scene = graphView_->scene();
    if (!scene)
        return tr("There is no graph to export.");
    const CanvasTheme& theme = graphView_->canvas()->theme();
    if (path.endsWith(QLatin1String(".svg"), Qt::CaseInsensitive))
        return SceneExporter::exportSvg(*scene, path, scale, theme);
    return SceneExporter::exportPng(*scene, path, scale, theme);
}

void MainWindow::showExportDialog()
{
    if (!graphView_->scene()) {
        QMessageBox::information(this, tr("Export Graph Image"), tr("Open a model first."));
        return;
    }
    QSettings settings;
    const QString base = QFileInfo(currentFile_).completeBaseName();
    const QString dir = settings.value(kLastDirKey, QDir::homePath()).toString();
    QString selected;
    QString path = QFileDialog::getSaveFileName(this, tr("Export Graph Image"),
        QDir(dir).filePath(base + QStringLiteral(".png")), tr("PNG image (*.png);;SVG drawing (*.svg)"), &selected);
    if (path.isEmpty())
        return;
    if (QFileInfo(path).suffix().isEmpty())
        path += selected.contains(QLatin1String("svg")) ? QStringLiteral(".svg") : QStringLiteral(".png");
    setBusy(true, tr("Exporting %1…").arg(QFileInfo(path).fileName()));
    const QString error = exportImage(path);
    setBusy(false);
    if (!error.isEmpty())
        QMessageBox::warning(this, tr("Export Graph Image"), error);
    else
        statusBar()->showMessage(tr("Exported %1").arg(QDir::toNativeSeparators(path)), 8000);
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    if (!maybeSave()) {
        event->ignore();
        return;
    }
    QSettings settings;
    settings.setValue(kGeometryKey, saveGeometry());
    settings.setValue(kStateKey, saveState());
    event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    if (!ConvertPanel::acceptsDrop(event->mimeData()))
        return;
    event->acceptProposedAction();
    // Over the graph, the overlay offers Open and Convert; it takes the
    // drag from here on.
    dropOverlay_->showFor(convertPanel_->targetText());
}

void MainWindow::dragLeaveEvent(QDragLeaveEvent*)
{
    if (!dropOverlay_->geometry().contains(graphView_->mapFromGlobal(QCursor::pos())))
        dropOverlay_->hide();
}

void MainWindow::dropEvent(QDropEvent* event)
{
    // Dropped outside the overlay (on a dock): open.
    dropOverlay_->hide();
    const QStringList paths = ConvertPanel::localPaths(event->mimeData());
    if (paths.isEmpty())
        return;
    event->acceptProposedAction();
    requestOpen(paths);
}

} // namespace nodus
