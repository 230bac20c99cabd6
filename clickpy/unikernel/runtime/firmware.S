/* The image's firmware, given to QEMU with -bios in place of microvm's qboot.

   QEMU has already loaded the image (-kernel, a PVH ELF) into RAM and keeps
   its entry point and command line in fw_cfg.  From the reset vector this
   enters flat 32-bit protected mode, fetches both with fw_cfg DMA (one VM
   exit per item, where reading the data port costs one per byte), writes
   the hvm_start_info the PVH entry expects, and jumps there.  Nothing else:
   no ACPI, no e820 (the image knows its RAM), no PCI, no option ROMs.
   64 KiB (QEMU takes -bios in 64 KiB multiples), mapped below 4 GiB: linear
   address = 0xffff0000 + offset, and the CPU starts at offset 0xfff0. */
#define BASE 0xffff0000
#define START_INFO 0x6000           /* below 1 MiB, where the image puts nothing */
#define CMDLINE 0x7000
#define CMDLINE_MAX 1024
#define SCRATCH 0x2000              /* RAM: the DMA descriptor QEMU writes its status to */
#define ENTRY 0x2010                /* RAM: the entry point, as fw_cfg gives it */
#define STACK 0x5000
#define FW_CFG_KERNEL_ENTRY 0x10
#define FW_CFG_CMDLINE_DATA 0x15
#define FW_CFG_DMA_HI 0x514
#define FW_CFG_DMA_LO 0x518
#define DMA_SELECT_READ 0x0a        /* FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ */

        .code16
        .section .text
start16:
        cli
        lgdtl %cs:gdt_ptr
        movl %cr0, %eax
        orl $1, %eax
        movl %eax, %cr0
        ljmpl $0x08, $(BASE + start32)

        .code32
start32:
        movw $0x10, %ax
        movw %ax, %ds
        movw %ax, %es
        movw %ax, %ss
        movl $STACK, %esp
        movl $0x2ff, %ecx                     /* IA32_MTRR_DEF_TYPE: MTRRs on, */
        movl $0x806, %eax                     /* all RAM write-back */
        xorl %edx, %edx
        wrmsr
        movl $(BASE + entry_dma), %eax        /* the entry point, to entry */
        call dma
        movl $(BASE + cmdline_dma), %eax      /* the command line, to CMDLINE */
        call dma
        movl $0x336ec578, START_INFO          /* hvm_start_info: magic, version 1 */
        movl $1, START_INFO + 4
        movl $CMDLINE, START_INFO + 24        /* cmdline_paddr (the rest is zero RAM) */
        movl $START_INFO, %ebx
        movl ENTRY, %eax
        jmp *%eax

/* Run the FWCfgDmaAccess at %eax (in RAM: QEMU writes its status back). */
dma:
        movl %eax, %esi
        movl $SCRATCH, %edi                   /* copy it to RAM */
        movl $4, %ecx
        rep movsl
        xorl %eax, %eax                       /* address, big-endian: high half, */
        movw $FW_CFG_DMA_HI, %dx
        outl %eax, %dx
        movl $SCRATCH, %eax                   /* then low half, which starts it */
        bswap %eax
        movw $FW_CFG_DMA_LO, %dx
        outl %eax, %dx
        ret

/* FWCfgDmaAccess: be32 control, be32 length, be64 address */
        .align 16
entry_dma:
        .byte 0, FW_CFG_KERNEL_ENTRY, 0, DMA_SELECT_READ
        .byte 0, 0, 0, 4
        .byte 0, 0, 0, 0, 0, 0, (ENTRY >> 8) & 0xff, ENTRY & 0xff
cmdline_dma:
        .byte 0, FW_CFG_CMDLINE_DATA, 0, DMA_SELECT_READ
        .byte 0, 0, (CMDLINE_MAX >> 8) & 0xff, CMDLINE_MAX & 0xff
        .byte 0, 0, 0, 0, 0, 0, (CMDLINE >> 8) & 0xff, CMDLINE & 0xff

        .align 8
gdt:    .quad 0
        .quad 0x00CF9A000000FFFF                 /* 0x08: flat code 32 */
        .quad 0x00CF92000000FFFF                 /* 0x10: flat data */
gdt_ptr:
        .word gdt_ptr - gdt - 1
        .long BASE + gdt

        .code16
        .org 0xfff0
reset:  jmp start16
        .org 0x10000                          /* pads the file to 64 KiB */
