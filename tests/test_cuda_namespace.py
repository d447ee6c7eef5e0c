"""mg.cuda: torch.cuda's names. Without a GPU: what torch does there (False, 0, silent seeding) and one-line errors.
With a GPU: the real calls. The bookkeeping (device arguments, the peak counter) also runs here on a stand-in for
CuPy's API, since this machine may have no GPU."""
import pytest

import minigan as mg
from minigan import backend

cuda = mg.cuda
HAS_GPU = backend.cuda_available()
no_gpu = pytest.mark.skipif(HAS_GPU, reason="a GPU is present: the no-GPU behaviour cannot be shown")

NEEDS_GPU = [("current_device", ()), ("set_device", (0,)), ("get_device_name", ()), ("get_device_properties", (0,)),
             ("get_device_capability", ()), ("synchronize", ()), ("initial_seed", ()),
             ("reset_peak_memory_stats", ()), ("mem_get_info", ())]


def test_is_available_is_the_backends():
    assert cuda.is_available() == backend.cuda_available()
    assert (cuda.device_count() > 0) == HAS_GPU


@no_gpu
@pytest.mark.parametrize("name, args", NEEDS_GPU, ids=[n for n, _ in NEEDS_GPU])
def test_without_a_gpu_one_readable_line(name, args):
    why = backend.cupy_status()[1]
    with pytest.raises(mg.DeviceError, match=f"^mg.cuda.{name}: CUDA is not available") as err:
        getattr(cuda, name)(*args)
    msg = str(err.value)
    assert "\n" not in msg and "pip install 'minigan[cuda12]'" in msg and why.split(":")[0] in msg


@no_gpu
def test_without_a_gpu_as_torch_counts_and_seeding_are_silent():
    assert cuda.device_count() == 0
    assert cuda.memory_allocated() == cuda.max_memory_allocated() == cuda.memory_reserved() == 0
    assert cuda.empty_cache() is None
    mg.manual_seed(1)
    a = mg.randn(4).numpy()
    mg.manual_seed(1)
    cuda.manual_seed(5), cuda.manual_seed_all(6), cuda.seed(), cuda.seed_all()   # no GPU: the CPU's stream is kept
    assert (mg.randn(4).numpy() == a).all()


@no_gpu
def test_without_a_gpu_device_context():
    for d in (None, -1):
        with cuda.device(d) as ctx:                     # torch's no-ops
            assert ctx.idx == -1
    cuda.set_device(-1)
    with pytest.raises(mg.DeviceError, match="^mg.cuda.device: CUDA is not available"):
        with cuda.device(0):
            pass


# --------------------------------------------------------------------------- a stand-in for CuPy's API
class _Mem:
    def __init__(self, pool, device_id, size):
        self.pool, self.device_id, self.size = pool, device_id, size

    def free(self):
        self.pool.used[self.device_id] -= self.size


class _Pool:
    def __init__(self, runtime):
        self.runtime, self.used, self.total = runtime, {0: 0, 1: 0}, {0: 0, 1: 0}

    def malloc(self, size):
        d = self.runtime.current
        self.used[d] += size
        self.total[d] = max(self.total[d], self.used[d])
        return _Mem(self, d, size)

    def used_bytes(self):
        return self.used[self.runtime.current]

    def total_bytes(self):
        return self.total[self.runtime.current]

    def free_all_blocks(self):
        self.total = dict(self.used)


class _Runtime:
    current = 0

    def getDeviceCount(self):
        return 2

    def getDevice(self):
        return self.current

    def setDevice(self, i):
        self.current = i

    def getDeviceProperties(self, i):
        return {"name": f"Fake GPU {i}".encode(), "totalGlobalMem": 2**30, "major": 8, "minor": 6,
                "multiProcessorCount": 40 + i}

    def memGetInfo(self):
        return 2**29, 2**30


class _FakeCupy:
    def __init__(self):
        fake = self
        self.runtime = _Runtime()
        self.pool = _Pool(self.runtime)
        self.allocator = self.pool.malloc
        self.synced = []

        class Device:
            def __init__(self, i):
                self.i = i

            def use(self):
                fake.runtime.current = self.i

            def __enter__(self):
                self.prev, fake.runtime.current = fake.runtime.current, self.i

            def __exit__(self, *exc):
                fake.runtime.current = self.prev

        class Stream:
            def synchronize(self):
                fake.synced.append(fake.runtime.current)

        class Cuda:
            runtime = self.runtime

            def get_allocator(self):
                return fake.allocator

            def set_allocator(self, fn):
                fake.allocator = fn

            def get_current_stream(self):
                return Stream()

        Cuda.Device = Device
        self.cuda = Cuda()

    def get_default_memory_pool(self):
        return self.pool


@pytest.fixture
def fake(monkeypatch):
    cp = _FakeCupy()
    monkeypatch.setattr(backend, "cupy_status", lambda: (True, "a stand-in for CuPy, 2 GPU(s)"))
    monkeypatch.setattr(backend, "cuda_available", lambda: True)
    monkeypatch.setattr(backend, "cupy_module", lambda: cp)
    monkeypatch.setattr(cuda, "_tracking", False)
    monkeypatch.setattr(cuda, "_peak", {})
    return cp


def test_device_arguments_on_a_stand_in(fake):
    assert cuda.device_count() == 2 and cuda.current_device() == 0
    assert cuda.get_device_name() == "Fake GPU 0"
    for d in (1, "cuda:1", mg.device("cuda", 1)):
        assert cuda.get_device_name(d) == "Fake GPU 1"
    props = cuda.get_device_properties(1)
    assert (props.name, props.major, props.minor, props.total_memory, props.multi_processor_count) == \
        ("Fake GPU 1", 8, 6, 2**30, 41)
    assert "total_memory=1024MB" in repr(props)
    assert cuda.get_device_capability() == (8, 6)
    assert cuda.mem_get_info(0) == (2**29, 2**30)
    cuda.set_device("cuda:1")
    assert cuda.current_device() == 1
    assert cuda.get_device_name("cuda") == "Fake GPU 1"     # a bare "cuda" is the current GPU here
    cuda.synchronize(0)
    assert fake.synced == [0] and cuda.current_device() == 1
    with pytest.raises(ValueError, match="mg.cuda.get_device_name: expected a cuda device, but got: cpu"):
        cuda.get_device_name("cpu")
    with pytest.raises(mg.DeviceError, match="mg.cuda.set_device: device 5 is not available: this machine has 2"):
        cuda.set_device(5)
    with pytest.raises(TypeError, match="mg.cuda.synchronize: expected a device .* got float"):
        cuda.synchronize(1.0)


def test_device_context_on_a_stand_in(fake):
    with cuda.device(1) as ctx:
        assert ctx.idx == 1 and cuda.current_device() == 1
        with cuda.device("cuda:0"):
            assert cuda.current_device() == 0
        assert cuda.current_device() == 1
    assert cuda.current_device() == 0


def test_peak_counter_on_a_stand_in(fake):
    assert cuda.is_available()                               # the first call installs the counting allocator
    assert fake.allocator != fake.pool.malloc
    a, b = fake.allocator(100), fake.allocator(50)           # what CuPy does for each new array
    assert cuda.memory_allocated() == 150 and cuda.max_memory_allocated() == 150
    b.free(), a.free()
    c = fake.allocator(120)
    assert cuda.memory_allocated() == 120 and cuda.max_memory_allocated() == 150
    assert cuda.memory_reserved() == 150
    cuda.reset_peak_memory_stats()
    assert cuda.max_memory_allocated() == 120
    c.free()
    cuda.empty_cache()
    assert cuda.memory_reserved() == 0 and cuda.max_memory_allocated() == 120
    with cuda.device(1):
        fake.allocator(7)
    assert cuda.max_memory_allocated(1) == 7 and cuda.memory_allocated(0) == 0
    cuda.is_available()
    assert fake.allocator.__name__ == "malloc_counting_peak"  # installed once, not wrapped twice


def test_someone_elses_allocator_is_left_alone(fake):
    def mine(size):
        return fake.pool.malloc(size)
    fake.allocator = mine
    cuda.is_available()
    assert fake.allocator is mine
    fake.allocator(30)
    assert cuda.max_memory_allocated() == 30                  # counted at the call instead


def test_seeding_on_a_stand_in(fake):
    cuda.manual_seed_all(11)
    assert cuda.initial_seed() == 11 == mg.initial_seed()
    cuda.manual_seed(12)
    assert cuda.initial_seed() == 12
    cuda.seed()
    assert cuda.initial_seed() == mg.initial_seed()


# --------------------------------------------------------------------------- a real GPU
def test_real_gpu_queries(cuda_device):
    n = cuda.device_count()
    assert n >= 1 and 0 <= cuda.current_device() < n
    props = cuda.get_device_properties(0)
    assert props.name == cuda.get_device_name(0) and props.name
    assert props.total_memory > 2**28 and props.major >= 3 and props.multi_processor_count > 0
    free, total = cuda.mem_get_info()
    assert 0 < free <= total
    with cuda.device(0):
        assert cuda.current_device() == 0
    cuda.synchronize()
    cuda.synchronize(cuda_device)


def test_real_gpu_memory(cuda_device):
    cuda.empty_cache()
    base = cuda.memory_allocated()
    cuda.reset_peak_memory_stats()
    x = mg.zeros(2**20, device=cuda_device)                  # 4 MiB of float32
    assert cuda.memory_allocated() >= base + 4 * 2**20
    assert cuda.memory_reserved() >= cuda.memory_allocated()
    del x
    assert cuda.memory_allocated() < base + 4 * 2**20
    assert cuda.max_memory_allocated() >= base + 4 * 2**20
    cuda.empty_cache()
    cuda.reset_peak_memory_stats()
    assert cuda.max_memory_allocated() == cuda.memory_allocated()


def test_real_gpu_peak_is_counted_at_each_allocation(cuda_device):
    assert cuda.is_available()
    cp = backend.cupy_module()
    assert cp.cuda.get_allocator().__name__ == "malloc_counting_peak"
    cuda.empty_cache()
    cuda.reset_peak_memory_stats()
    base = cuda.memory_allocated()
    y = mg.ones(2**21, device=cuda_device)                   # 8 MiB, made and freed between two calls
    del y
    assert cuda.max_memory_allocated() >= base + 8 * 2**20


def test_real_gpu_seeding(cuda_device):
    cuda.manual_seed_all(3)
    a = mg.randn(5, device=cuda_device).numpy()
    assert cuda.initial_seed() == 3
    cuda.manual_seed(3)
    assert (mg.randn(5, device=cuda_device).numpy() == a).all()
